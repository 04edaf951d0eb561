// The session's seen plans: the saved list grows in place, once per plan, and lookups are by set.
import { describe, expect, it } from 'vitest';
import { SeenPlans } from '../src/engine/champion.js';

describe('SeenPlans', () => {
  it('adds each plan id once to the session list it was made from, and answers from the set', () => {
    const list = ['a', 'b'];
    const seen = new SeenPlans(list);
    expect(seen.has('a')).toBe(true);
    expect(seen.has('c')).toBe(false);
    seen.add('c');
    seen.add('a');
    seen.add('c');
    // The list is the session's own (saved with it): it grew in place, without duplicates.
    expect(list).toEqual(['a', 'b', 'c']);
    expect([...seen.ids]).toEqual(['a', 'b', 'c']);
  });
});
