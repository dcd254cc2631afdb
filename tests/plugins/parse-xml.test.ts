import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import parseXml from '@rustchain/plugin-parse-xml';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { recordingContext, registryOf, runMissionText, runPlugin } from './data-helpers.ts';

const plugin = parseXml as DefinedPlugin;

const VALID: Array<[string, string, Record<string, unknown>, Record<string, unknown>?]> = [
  ['attributes, repeated elements, empty elements', '<?xml version="1.0"?>\n<order id="7"><item>pen</item><item>ink</item><note/></order>', { order: { '@_id': '7', item: ['pen', 'ink'], note: '' } }],
  ['text stays as written (no number coercion)', '<r><zip>01234</zip><n>1e3</n></r>', { r: { zip: '01234', n: '1e3' } }],
  ['predefined entities and character references, decoded once', '<r a="&lt;&#65;">&amp;#65; &quot;&apos; &#x42;&gt;</r>', { r: { '@_a': '<A', '#text': '&#65; "\' B>' } }],
  ['CDATA kept verbatim; comments and processing instructions dropped', '<r><!-- c --><?pi x?><c><![CDATA[<b>&amp;</b>]]></c></r>', { r: { c: '<b>&amp;</b>' } }],
  ['an unknown entity stays as written', '<r>&nbsp;&foo;</r>', { r: '&nbsp;&foo;' }],
  ['a custom attribute prefix', '<r k="v"/>', { r: { 'attr:k': 'v' } }, { attribute_prefix: 'attr:' }],
];

for (const [name, content, value, extra] of VALID) {
  test(`parse_xml: ${name}`, async () => {
    const calls: string[] = [];
    const out = await runPlugin<{ value: unknown; root: string }>(plugin, { content, ...extra }, recordingContext(calls));
    assert.deepEqual(out.value, value);
    assert.equal(out.root, Object.keys(value)[0]);
    assert.deepEqual(calls, []);
  });
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>`;

test('parse_xml: a billion-laughs document is refused before parsing (E_PARSE_XML_DTD_FORBIDDEN)', async () => {
  // The code proves the refusal came before any parser saw the entities (no timing needed).
  const error = await rejectsWith(plugin.run({ content: BILLION_LAUGHS } as never, recordingContext([])), 'E_PARSE_XML_DTD_FORBIDDEN');
  assert.deepEqual({ line: error.details['line'], column: error.details['column'], declaration: error.details['declaration'] }, { line: 2, column: 1, declaration: 'DOCTYPE' });
});

test('parse_xml: an external entity (XXE) is refused and no file is read, even with a real fs capability', async (t) => {
  const root = await tempDir(t);
  const secret = join(root, 'secret.txt');
  writeFileSync(secret, 'TOP-SECRET-CONTENT');
  const xxe = `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://${secret}">]>\n<r>&xxe;</r>`;
  const calls: string[] = [];
  await rejectsWith(plugin.run({ content: xxe } as never, recordingContext(calls)), 'E_PARSE_XML_DTD_FORBIDDEN');
  assert.deepEqual(calls, [], 'no capability (fs, fetch, ...) was touched');
  // With a real, permissive context the answer is the same: the plugin never reaches for a file.
  await rejectsWith(plugin.run({ content: xxe } as never, ctxFor(root, policyFor(root))), 'E_PARSE_XML_DTD_FORBIDDEN');
  // A bare ENTITY declaration (no DOCTYPE around it), in any case, is refused too.
  await rejectsWith(plugin.run({ content: `<!entity x SYSTEM "file://${secret}"><r/>` } as never, recordingContext(calls)), 'E_PARSE_XML_DTD_FORBIDDEN');
  assert.deepEqual(calls, []);
});

test('parse_xml: DOCTYPE text inside a comment or CDATA is only text', async () => {
  const out = await runPlugin<{ value: unknown }>(plugin, { content: '<!-- <!DOCTYPE x> --><r><![CDATA[<!ENTITY y "z">]]></r>' }, recordingContext([]));
  assert.deepEqual(out.value, { r: '<!ENTITY y "z">' });
});

const INVALID: Array<[string, string, string, number?, number?]> = [
  ['a mismatched closing tag', '<a>\n<b></a>', 'E_PARSE_XML_SYNTAX', 2, 4],
  ['not XML at all', 'just text', 'E_PARSE_XML_SYNTAX', 1, 1],
  ['empty content', '', 'E_PARSE_XML_SYNTAX', 1],
  ['two root elements', '<a/><b/>', 'E_PARSE_XML_SYNTAX'],
  ['the same root twice', '<a/><a/>', 'E_PARSE_XML_SYNTAX'],
  ['nesting deeper than 64 elements', `${'<e>'.repeat(70)}${'</e>'.repeat(70)}`, 'E_INPUT_TOO_DEEP'],
];

for (const [name, content, code, line, column] of INVALID) {
  test(`parse_xml: ${name} fails with ${code}`, async () => {
    const error = await rejectsWith(plugin.run({ content } as never, recordingContext([])), code);
    if (line !== undefined) assert.equal(error.details['line'], line);
    if (column !== undefined) assert.equal(error.details['column'], column);
  });
}

test('parse_xml: more than 5 MiB is refused', async () => {
  await rejectsWith(plugin.run({ content: `<r>${'x'.repeat(5 * 1024 * 1024)}</r>` } as never, recordingContext([])), 'E_INPUT_TOO_LARGE');
});

test('parse_xml: content is required; attribute_prefix may not be empty', () => {
  assert.equal(Value.Check(plugin.params, {}), false);
  assert.equal(Value.Check(plugin.params, { content: '<r/>', attribute_prefix: '' }), false);
});

test('parse_xml: through the real engine', async (t) => {
  const root = await tempDir(t);
  const yaml = [
    'version: "1.0"',
    'name: xml',
    'steps:',
    '  - id: feed',
    '    name: Parse',
    '    step_type: parse_xml',
    '    parameters:',
    `      content: '<feed version="2"><entry>a</entry><entry>b</entry></feed>'`,
    '  - id: evil',
    '    name: XXE',
    '    step_type: parse_xml',
    '    continue_on_error: true',
    '    parameters:',
    `      content: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'`,
  ].join('\n');
  const result = await runMissionText(yaml, registryOf(plugin), policyFor(root), root);
  const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
  assert.deepEqual(byId['feed']?.outputs, { value: { feed: { '@_version': '2', entry: ['a', 'b'] } }, root: 'feed' });
  assert.equal(byId['evil']?.error?.code, 'E_PARSE_XML_DTD_FORBIDDEN');
});
