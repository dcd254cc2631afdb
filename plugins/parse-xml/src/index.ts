import { definePlugin, PluginError, RustchainError, Type } from '@rustchain/core/plugin';
import { findDeclaration, positionOf } from './dtd.ts';

/**
 * `parse_xml`: parses XML text into a value with fast-xml-parser. DTDs are refused outright
 * (E_PARSE_XML_DTD_FORBIDDEN), so XXE and entity expansion cannot happen; only the five
 * predefined entities and numeric character references are decoded.
 */

/** Largest text accepted (as for mission files and parse_yaml). */
const MAX_BYTES = 5 * 1024 * 1024;
/** Deepest element nesting accepted (as the loader's MAX_DEPTH). */
const MAX_DEPTH = 64;
const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parameters of a `parse_xml` step. */
const Params = Type.Object(
  {
    content: Type.String({ description: 'the XML text to parse' }),
    attribute_prefix: Type.Optional(Type.String({ minLength: 1, description: 'prefix of attribute keys in `value` (default `@_`)' })),
  },
  { additionalProperties: true },
);

/** Outputs of a `parse_xml` step. */
const Outputs = Type.Object({
  value: Type.Record(Type.String(), Type.Unknown(), {
    description: 'the document: elements as keys (repeated ones as lists), attributes as `@_name`, mixed text as `#text`, all values strings',
  }),
  root: Type.String({ description: 'name of the root element' }),
});

function syntaxError(err: { code: string; msg: string; line: number; col?: number }): PluginError {
  const column = typeof err.col === 'number' ? err.col : 1;
  return new PluginError('E_PARSE_XML_SYNTAX', `content is not well-formed XML: ${err.msg} (line ${err.line}, column ${column})`, {
    details: { line: err.line, column, reason: err.code },
    nonRetryable: true,
  });
}

/** The `parse_xml` step type: XML text to a value, DTDs refused. */
export default definePlugin({
  type: 'parse_xml',
  description: 'Parse XML text into a value (attributes as @_name; DOCTYPE/ENTITY refused, so no XXE or entity expansion)',
  params: Params,
  outputs: Outputs,
  capabilities: [],
  effect: 'pure',
  async run(params) {
    // fast-xml-parser loads only when a step runs: the registry imports every plugin at start-up.
    const { XMLParser, XMLValidator } = await import('fast-xml-parser');
    const text = params.content;
    if (text.length * 3 > MAX_BYTES && Buffer.byteLength(text, 'utf8') > MAX_BYTES) {
      throw new RustchainError('E_INPUT_TOO_LARGE', `content is larger than ${MAX_BYTES} bytes`, { details: { maxBytes: MAX_BYTES }, nonRetryable: true });
    }
    const declaration = findDeclaration(text);
    if (declaration !== null) {
      const at = positionOf(text, declaration.offset);
      throw new PluginError('E_PARSE_XML_DTD_FORBIDDEN', `<!${declaration.kind} at line ${at.line}, column ${at.column}: DTDs are refused (they enable external entities and entity expansion)`, {
        details: { ...at, declaration: declaration.kind },
        nonRetryable: true,
      });
    }
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw syntaxError(valid.err);
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: params.attribute_prefix ?? '@_',
      // Keep text as written: "007" stays a string, as the original returned it.
      parseTagValue: false,
      parseAttributeValue: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      // An object here means: exactly these named entities, plus numeric references (one pass, so `&amp;#65;` stays `&#65;`).
      processEntities: true,
      // The parser takes a map of named entities here (OrderedObjParser reads an object);
      // its .d.ts only declares `boolean`, hence the cast.
      htmlEntities: XML_ENTITIES as unknown as boolean,
      maxNestedTags: MAX_DEPTH,
    });
    let value: Record<string, unknown>;
    try {
      value = parser.parse(text) as Record<string, unknown>;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/nested/i.test(message)) {
        throw new RustchainError('E_INPUT_TOO_DEEP', `the XML nests deeper than ${MAX_DEPTH} elements`, { details: { maxDepth: MAX_DEPTH }, nonRetryable: true });
      }
      throw new PluginError('E_PARSE_XML_SYNTAX', `content could not be parsed as XML: ${message}`, { nonRetryable: true, cause: error });
    }
    const roots = Object.keys(value).filter((k) => !k.startsWith('#') && !k.startsWith('?'));
    const root = roots[0];
    // fast-xml-parser accepts `<a/><b/>`; XML has exactly one root element.
    if (root === undefined || roots.length > 1 || Array.isArray(value[root])) {
      throw syntaxError({ code: 'MultipleRoots', msg: 'a document has exactly one root element', line: 1, col: 1 });
    }
    return { value, root };
  },
});
