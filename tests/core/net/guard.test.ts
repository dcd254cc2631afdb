import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkUrl, checkResolvedAddress } from '../../../core/src/net/index.ts';
import type { NetRules } from '../../../core/src/net/index.ts';

/** Runs checkUrl and returns the error code, or 'ok'. */
function decide(rules: NetRules, url: string): string {
  try {
    checkUrl(rules, url);
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

const ANY: NetRules = { allow: '*' };

const cases: Array<[string, NetRules, string]> = [
  ['http://169.254.169.254/latest/meta-data/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://[fd00:ec2::254]/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://metadata.google.internal/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://127.1', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://2130706433', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://0x7f000001', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://0177.0.0.1', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://[::1]', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://[::ffff:127.0.0.1]', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://0.0.0.0:22', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://user@allowed.com@127.0.0.1', { allow: ['allowed.com'] }, 'E_POLICY_HOST_DENIED'],
  ['http://10.1.2.3/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://100.64.0.1/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://localhost:8080/', ANY, 'E_POLICY_HOST_DENIED'],
  ['http://localhost:8080/', { allow: ['localhost:8080'] }, 'ok'],
  ['http://127.0.0.1:9000/x', { allow: ['127.0.0.1:9000'] }, 'ok'],
  ['http://127.0.0.1:9001/x', { allow: ['127.0.0.1:9000'] }, 'E_POLICY_HOST_DENIED'],
  ['http://2130706433:9000/x', { allow: ['127.0.0.1:9000'] }, 'ok'],
  ['http://[::1]:9000/', { allow: ['[::1]:9000'] }, 'ok'],
  ['http://127.0.0.1/', { allow: ['*.0.0.1'] }, 'E_POLICY_HOST_DENIED'],
  ['https://api.example.com/', { allow: ['*.example.com'] }, 'ok'],
  ['https://a.b.example.com:8443/', { allow: ['*.example.com'] }, 'ok'],
  ['https://example.com/', { allow: ['*.example.com'] }, 'E_POLICY_HOST_DENIED'],
  ['https://evilexample.com/', { allow: ['*.example.com'] }, 'E_POLICY_HOST_DENIED'],
  ['https://example.com/', { allow: ['example.com:443'] }, 'ok'],
  ['http://example.com/', { allow: ['example.com:443'] }, 'E_POLICY_HOST_DENIED'],
  ['https://EXAMPLE.com./', { allow: ['example.com'] }, 'ok'],
  ['https://8.8.8.8/', ANY, 'ok'],
  ['https://example.org/', { allow: [] }, 'E_POLICY_HOST_DENIED'],
  ['file:///etc/passwd', ANY, 'E_POLICY_SCHEME_DENIED'],
  ['gopher://example.com:70/', ANY, 'E_POLICY_SCHEME_DENIED'],
  ['ftp://example.com/', ANY, 'E_POLICY_SCHEME_DENIED'],
  ['data:text/plain,hi', ANY, 'E_POLICY_SCHEME_DENIED'],
  ['javascript:alert(1)', ANY, 'E_POLICY_SCHEME_DENIED'],
  ['not a url', ANY, 'E_PARAMS_INVALID'],
];

for (const [url, rules, expected] of cases) {
  test(`checkUrl ${url} under ${JSON.stringify(rules.allow)} -> ${expected}`, () => {
    assert.equal(decide(rules, url), expected);
  });
}

test('a refusal names the --allow-net value that would allow it', () => {
  // assert.throws, not try/catch: a missing refusal must fail here, not be caught as one.
  assert.throws(
    () => checkUrl({ allow: [] }, 'http://127.1:8080/'),
    (err: { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(err.code, 'E_POLICY_HOST_DENIED');
      assert.equal(err.details?.['address'], '127.0.0.1');
      assert.match(String(err.details?.['allowWith']), /--allow-net=127\.0\.0\.1:8080/);
      return true;
    },
  );
});

const resolvedCases: Array<[string, string, NetRules, boolean]> = [
  ['rebind.test', '127.0.0.1', { allow: ['rebind.test'] }, false],
  ['rebind.test', '::ffff:127.0.0.1', { allow: ['rebind.test'] }, false],
  ['rebind.test', '169.254.169.254', ANY, false],
  ['rebind.test', '93.184.216.34', { allow: ['rebind.test'] }, true],
  ['svc.test', '127.0.0.1', { allow: ['svc.test', '127.0.0.1:80'] }, true],
  ['localhost', '::1', { allow: ['localhost:80'] }, true],
];
for (const [host, address, rules, ok] of resolvedCases) {
  test(`resolved ${host} -> ${address} under ${JSON.stringify(rules.allow)} is ${ok ? 'allowed' : 'denied'}`, () => {
    assert.equal(checkResolvedAddress(rules, host, address, 80) === null, ok);
  });
}

test('property: every numeric encoding of a loopback/private IPv4 is denied under allow *', () => {
  const privateV4 = fc.oneof(
    fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
  );
  fc.assert(
    fc.property(privateV4, fc.integer({ min: 0, max: 3 }), (octets, form) => {
      const n = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
      const host = [
        octets.join('.'),
        String(n),
        `0x${n.toString(16)}`,
        octets.map((o) => `0${o.toString(8)}`).join('.'),
      ][form] as string;
      return decide(ANY, `http://${host}/`) === 'E_POLICY_HOST_DENIED';
    }),
    { numRuns: 500 },
  );
});
