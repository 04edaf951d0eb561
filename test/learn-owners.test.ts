// Learning from a large answer is linear in its size (#23.12): 110 steps with 1,900-character owners and a dozen
// findings once built a RegExp per owner per finding (1 s per iteration, and a 38.7 s summary replaying 40 of them).
// Counted in work done, not time: the RegExps built to generalise owners out of the lessons.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { learn } from '../src/memory/learn.js';
import type { LogRecord } from '../src/memory/record.js';
import type { MemoryItem } from '../src/memory/types.js';

const Native = globalThis.RegExp;
let built = 0;

beforeEach(() => {
  built = 0;
  globalThis.RegExp = new Proxy(Native, {
    construct(target, args: [string, string?]) {
      built++;
      return new target(...args);
    },
  });
});
afterEach(() => {
  globalThis.RegExp = Native;
});

function bigFailure(): LogRecord {
  const owner = (i: number) => `Owner ${i} ${'of a very long team name '.repeat(76)}`.slice(0, 1900);
  const steps = Array.from({ length: 110 }, (_, i) => ({ action: `step-${i}`, owner: owner(i) }));
  // Twelve error findings; only the first fix names an owner (step 3's), as a validator's fix text does.
  const findings = Array.from({ length: 12 }, (_, i) => ({
    rule: `rule-${i}`,
    severity: 'error' as const,
    action: `step-${i}`,
    fix: i === 0 ? `move step-0 away from ${owner(3)}` : `add check-${i} before step ${i + 1}`,
  }));
  return {
    seq: 1,
    type: 'iteration',
    session: 's1',
    iteration: 1,
    time: '2026-01-01T00:00:00.000Z',
    procedure: 'p',
    goalId: 'g',
    goalText: 'G',
    outcome: 'failed',
    steps,
    findings,
  };
}

describe('learning from a 110-step answer with 1,900-character owners', () => {
  it('builds a RegExp only for an owner a fix names (not one per owner per finding), and still generalises it', () => {
    const items = new Map<string, MemoryItem>();
    learn(items, bigFailure(), 'lesson');
    expect(built).toBeLessThanOrEqual(2);
    const lessons = [...items.values()].map((i) => i.text);
    expect(lessons.some((t) => t.includes('move step-0 away from its current owner'))).toBe(true);
    expect(lessons.some((t) => t.includes('of a very long team name'))).toBe(false);
    expect(lessons.filter((t) => /^step-\d+: rule-\d+/.test(t))).toHaveLength(12);
  });
});
