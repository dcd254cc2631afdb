/**
 * Finds where strict JSON (RFC 8259) first goes wrong. `.json` missions are read strictly,
 * as the original did with serde_json: no comments, trailing commas, single quotes or bare
 * words. Node 20's JSON.parse does not always report a position ("Unexpected token ']' ...
 * is not valid JSON"), and every diagnostic needs line:column, hence this small scanner.
 * Iterative (explicit stack), so deep nesting cannot overflow.
 */

/** Offset and message of the first syntax error, or null when `text` is valid JSON. */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | null {
  let i = 0;
  const n = text.length;
  // Each open container: '{' or '['; `expect` says what the grammar needs next.
  const stack: Array<'{' | '['> = [];
  type Expect = 'value' | 'key-or-end' | 'key' | 'colon' | 'comma-or-end' | 'value-or-end' | 'done';
  let expect: Expect = 'value';
  const fail = (message: string) => ({ offset: Math.min(i, n), message });
  const skipWhitespace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const afterValue = (): Expect => (stack.length === 0 ? 'done' : 'comma-or-end');

  for (;;) {
    skipWhitespace();
    if (i >= n) return expect === 'done' ? null : fail('unexpected end of JSON input');
    const c = text[i]!;
    switch (expect) {
      case 'done':
        return fail('unexpected text after the JSON value');
      case 'colon':
        if (c !== ':') return fail("expected ':' after the property name");
        i++;
        expect = 'value';
        continue;
      case 'comma-or-end': {
        const open = stack[stack.length - 1]!;
        if (c === ',') {
          i++;
          expect = open === '{' ? 'key' : 'value';
          continue;
        }
        if (c === (open === '{' ? '}' : ']')) {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        return fail(`expected ',' or '${open === '{' ? '}' : ']'}'`);
      }
      case 'key-or-end':
      case 'key':
        if (c === '}' && expect === 'key-or-end') {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        if (c !== '"') return fail(expect === 'key' && c === '}' ? 'trailing comma before }' : 'expected a double-quoted property name');
        if (!scanString()) return fail('invalid string');
        expect = 'colon';
        continue;
      case 'value-or-end':
      case 'value':
        if (c === ']' && expect === 'value-or-end') {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          expect = c === '{' ? 'key-or-end' : 'value-or-end';
          continue;
        }
        if (c === '"') {
          if (!scanString()) return fail('invalid string');
        } else if (!scanLiteral()) {
          return fail(c === ']' ? 'trailing comma before ]' : `unexpected character '${c}'`);
        }
        expect = afterValue();
        continue;
    }
  }

  function scanString(): boolean {
    i++;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return true;
      }
      if (ch < 0x20) return false;
      if (ch === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  }

  function scanLiteral(): boolean {
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  }
}
