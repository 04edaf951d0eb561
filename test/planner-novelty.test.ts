// Novelty, the satisficing search's plateau escape (after BFWS): a state is new (1) when it makes a fact true first
// among the states seen with its heuristic value, else (2) when it makes a pair of facts true together first, else 3;
// each value keeps its own record, and a successor is judged by what its operator adds to its parent.
import { describe, expect, it } from 'vitest';
import { Novelty } from '../src/planners/builtin/novelty.js';

const stateOf = (n: number, facts: number[]) => {
  const s = new Uint8Array(n);
  for (const f of facts) s[f] = 1;
  return s;
};

describe('novelty under a heuristic value', () => {
  it('grades states by new facts, then new pairs, per value', () => {
    const nov = new Novelty(4);
    expect(nov.state(5, [0, 1])).toBe(1);
    expect(nov.state(5, [0, 1])).toBe(3);
    expect(nov.state(5, [0])).toBe(3);
    expect(nov.state(5, [1, 2])).toBe(1);
    // Facts 0 and 2 were each seen, never together.
    expect(nov.state(5, [0, 2])).toBe(2);
    // Another value has its own record.
    expect(nov.state(4, [0, 2])).toBe(1);
  });

  it('judges a successor by the facts its operator adds and the pairs they make with the facts it keeps', () => {
    const nov = new Novelty(5);
    const parent = [0, 1];
    expect(nov.state(3, parent)).toBe(1);
    const s = stateOf(5, parent);
    // Adds fact 2: new.
    expect(nov.successor(3, s, parent, [2], [])).toBe(1);
    // Adds 2 again: nothing new.
    expect(nov.successor(3, s, parent, [2], [])).toBe(3);
    expect(nov.state(3, [2, 3])).toBe(1);
    // Adds 3 (seen) beside 0 (kept): the pair {0, 3} is new.
    expect(nov.successor(3, s, parent, [3], [])).toBe(2);
    // Adds 2 while deleting 1: only pairs with kept facts count, {0, 2} is seen.
    expect(nov.successor(3, s, parent, [2], [1])).toBe(3);
    // Adding a fact the parent already has makes nothing new.
    expect(nov.successor(3, s, parent, [0], [])).toBe(3);
  });
});
