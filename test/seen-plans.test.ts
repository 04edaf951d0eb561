// The session's seen plans, kept by the reducer: the saved list grows in place, once per plan, and lookups are by set.
import { describe, expect, it } from 'vitest';
import { emptyFold, Reducer } from '../src/state/reducer.js';

describe('seen plans', () => {
  it('adds each plan id once to the session list it was made from, and answers from the set', () => {
    const list = ['a', 'b'];
    const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
    const reducer = new Reducer({ ...emptyFold(), usage, seen: list });
    expect(reducer.has('a')).toBe(true);
    expect(reducer.has('c')).toBe(false);
    reducer.see('c');
    reducer.see('a');
    reducer.see('c');
    // The list is the session's own (saved with it): it grew in place, without duplicates.
    expect(list).toEqual(['a', 'b', 'c']);
    expect([...reducer.seenIds]).toEqual(['a', 'b', 'c']);
  });
});
