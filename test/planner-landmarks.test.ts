// The landmarks behind the satisficing search's second heuristic: on a hand-checked domain exactly the facts every plan
// needs, ordered as reasoned; on generated PDDL, every landmark holds at some step of every valid plan found (they are
// sound), and the count falls to the goal's needs as a plan advances.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply, compileDomain, type Domain } from '../src/planners/builtin/domain.js';
import { RelaxedIndex } from '../src/planners/builtin/ff.js';
import { acceptedIn, findLandmarks, landmarkCount } from '../src/planners/builtin/landmarks.js';
import { lazySearch } from '../src/planners/builtin/lazy-search.js';
import { importPddl } from '../src/procedures/pddl/import.js';
import { GENERATORS, type PddlInstance } from '../tools/pddl-gen.js';
import { tempDir } from './support/cli.js';

function domainOf(instance: PddlInstance): Domain {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'domain.pddl'), instance.domain);
  writeFileSync(path.join(dir, 'problem.pddl'), instance.problem);
  const { set } = importPddl(path.join(dir, 'domain.pddl'), path.join(dir, 'problem.pddl'), path.join(dir, 'set.yaml'));
  return compileDomain({ set, goal: set.goals[0]! }, { rules: [] });
}

/** The states a plan passes through, the start included. */
function statesOf(domain: Domain, actions: string[]): Uint8Array[] {
  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  const states: Uint8Array[] = [start];
  for (const id of actions) states.push(apply(domain.ops.find((o) => o.id === id)!, states[states.length - 1]!));
  return states;
}

// Two blocks: b starts on a, the goal is a on b. Every plan makes a clear (by unstacking b), then holds a, then stacks
// it; each of these needs the one before. (Holding b is needed too, but as a side effect of clearing a, never as a
// precondition: these landmarks come from preconditions, so it is not among them.)
const TWO_BLOCKS: PddlInstance = {
  domain: GENERATORS.blocksworld(2, 1).domain,
  problem: `(define (problem two) (:domain blocksworld)
  (:objects a b)
  (:init (arm-empty) (on-table a) (on b a) (clear b))
  (:goal (and (on a b))))`,
  objects: 2,
};

describe('landmarks', () => {
  it('finds the facts every plan of a hand-checked problem needs, in the order they must come', () => {
    const domain = domainOf(TWO_BLOCKS);
    const lm = findLandmarks(domain, new RelaxedIndex(domain));
    const names = lm.facts.map((f) => domain.factNames[f]!);
    const missing = ['(clear a)', '(holding a)', '(on a b)'];
    expect(names).toEqual(expect.arrayContaining(missing));
    // Nothing true at the start is missing from the count, and the count starts at the four facts still to reach.
    const start = statesOf(domain, [])[0]!;
    expect(landmarkCount(lm, acceptedIn(lm, undefined, start), start)).toBe(missing.length);
    expect(names.filter((n) => !missing.includes(n)).every((n) => domain.init.includes(domain.factNames.indexOf(n)))).toBe(true);
    const index = (name: string) => names.indexOf(name);
    expect(lm.before[index('(holding a)')]).toContain(index('(clear a)'));
    expect(lm.before[index('(on a b)')]).toContain(index('(holding a)'));
    expect(lm.before[index('(clear a)')]).not.toContain(index('(on a b)'));
  });

  it('counts what is still to reach and what is needed again along the plan, down to zero at the goal', () => {
    const domain = domainOf(TWO_BLOCKS);
    const lm = findLandmarks(domain, new RelaxedIndex(domain));
    const states = statesOf(domain, ['unstack.b.a', 'put-down.b', 'pick-up.a', 'stack.a.b']);
    let accepted: Uint8Array | undefined;
    const counts = states.map((s) => {
      accepted = acceptedIn(lm, accepted, s);
      return landmarkCount(lm, accepted, s);
    });
    // After unstacking b (a clear, reached): "holding a" and "a on b" still to reach, and "arm-empty" and "b clear"
    // needed again (every first way to hold a needs the arm empty; stacking a on b needs b clear). Putting b down gives
    // both back; holding a, then stacking it, reach the last two.
    expect(counts).toEqual([3, 4, 2, 1, 0]);
  });

  for (const [name, instance] of [
    ['depots, 20 objects', GENERATORS.depots(20, 1)],
    ['logistics, 30 objects', GENERATORS.logistics(30, 1)],
  ] as const) {
    it(`${name}: every landmark holds at some step of the plan the search finds`, () => {
      const domain = domainOf(instance);
      const lm = findLandmarks(domain, new RelaxedIndex(domain));
      expect(lm.facts.length).toBeGreaterThan(domain.goal.length);
      const r = lazySearch(domain, { weight: Infinity, maxWork: 200_000_000 });
      expect(r.found).toBe(true);
      if (!r.found) return;
      const states = statesOf(domain, r.actions);
      expect(domain.goal.every((g) => states[states.length - 1]![g])).toBe(true);
      const never = lm.members.filter((fs) => !states.some((s) => fs.some((f) => s[f]))).map((fs) => fs.map((f) => domain.factNames[f]).join(' or '));
      expect(never).toEqual([]);
    });
  }

  it('depots: a crate that must change place is in some truck (a disjunctive landmark)', () => {
    // Three trucks, and crate4 must go from pallet2 at depot2 to pallet3 at depot3 (seed 8's goal): no one truck is
    // needed, but one of them must carry it.
    const domain = domainOf(GENERATORS.depots(30, 8));
    const lm = findLandmarks(domain, new RelaxedIndex(domain));
    const trucks = ['(in crate4 truck1)', '(in crate4 truck2)', '(in crate4 truck3)'];
    expect(lm.members.map((fs) => fs.map((f) => domain.factNames[f]!).sort())).toContainEqual(trucks);
    trucks.forEach((t) => expect(lm.facts.map((f) => domain.factNames[f])).not.toContain(t));
  });

  it('depots: a goal tower is built bottom first (reasonable orderings by a fact every achiever adds)', () => {
    // Seed 1 at 12 objects wants crate3 on crate4 on crate2 on crate1. Dropping a crate always makes it clear, which
    // a crate on it is not: so crate2 goes on crate1 before crate4 goes on crate2, and so on up; never the other way.
    const domain = domainOf(GENERATORS.depots(12, 1));
    const lm = findLandmarks(domain, new RelaxedIndex(domain));
    const at = (fact: string) => lm.facts.findIndex((f) => domain.factNames[f] === fact);
    const [bottom, middle, top] = ['(on crate2 crate1)', '(on crate4 crate2)', '(on crate3 crate4)'].map(at);
    expect(lm.before[middle!]).toContain(bottom);
    expect(lm.before[top!]).toContain(middle);
    expect(lm.before[bottom!]).not.toContain(middle);
    expect(lm.before[middle!]).not.toContain(top);
  });
});
