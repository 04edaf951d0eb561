// thousands(): the log's number format, identical to toLocaleString('en-US') without its ICU lookup.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thousands } from '../src/core/text.js';

describe('thousands', () => {
  it('writes every integer as toLocaleString("en-US") does', () => {
    for (const x of [0, 7, 999, 1000, 4000, 12_345, 999_999, 1_000_000, -1, -1000, -123_456_789, Number.MAX_SAFE_INTEGER])
      expect(thousands(x)).toBe(x.toLocaleString('en-US'));
    fc.assert(fc.property(fc.maxSafeInteger(), (x) => thousands(x) === x.toLocaleString('en-US')));
  });

  it('leaves fractions and unsafe integers to toLocaleString', () => {
    for (const x of [1234.5678, 0.1, 2 ** 60]) expect(thousands(x)).toBe(x.toLocaleString('en-US'));
  });
});
