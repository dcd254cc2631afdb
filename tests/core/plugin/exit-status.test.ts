import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shellExitStatus } from '@rustchain/core';

const cases: Array<[number | null, string | null, number]> = [
  [0, null, 0],
  [3, null, 3],
  [null, 'SIGKILL', 137],
  [null, 'SIGTERM', 143],
  [null, 'SIGINT', 130],
  [null, null, 128],
];

for (const [code, signal, expected] of cases) {
  test(`shellExitStatus(${code}, ${signal}) is ${expected}, as sh reports it`, () => {
    assert.equal(shellExitStatus(code, signal), expected);
  });
}
