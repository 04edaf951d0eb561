// The token estimate: a character scan that must count exactly what its definition (pieces of text) says.
import { describe, expect, it } from 'vitest';
import { countTokens } from '../src/memory/tokens.js';

/** The estimate's definition, as a regex: letter runs (a token per ~6 letters), up to 3 digits, any other non-space character. */
function byDefinition(text: string): number {
  let n = 0;
  for (const [p] of text.matchAll(/[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]/g)) n += /[A-Za-z]/.test(p[0]!) ? Math.ceil(p.length / 6) : 1;
  return n;
}

describe('countTokens', () => {
  it('counts words, identifiers, digit groups and symbols', () => {
    expect(countTokens('')).toBe(0);
    // 'service' has 7 letters: two tokens.
    expect(countTokens('deploy the service')).toBe(4);
    // 14 letters split every 6 (3), '-' (1), 7 letters (2).
    expect(countTokens('infrastructure-rollout')).toBe(6);
    expect(countTokens('1234567')).toBe(3);
    expect(countTokens('a, b.')).toBe(4);
  });

  it('agrees with its definition on every UTF-16 code unit, JavaScript whitespace included', () => {
    const units = Array.from({ length: 0x10000 }, (_, c) => `x${String.fromCharCode(c)}12345`);
    const mixed = ['tab\there\u00a0nbsp\u2028line\ufeffbom\u3000ideo', 'emoji 😀 and 日本語 text', 'step_7: run-tests (owner=QA) #1,000,000.50'];
    for (const text of [...units, ...mixed]) expect(countTokens(text), JSON.stringify(text)).toBe(byDefinition(text));
  });
});
