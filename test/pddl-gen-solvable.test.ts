// Every depots instance the bench generates has a plan, shown by constructing one from the problem text alone and
// running it through the independent PDDL simulation (no search): a truck collects every crate, then the goal's stacks
// are built bottom up. So an instance the built-in planner leaves unsolved is a weakness of its search, not of the
// generator.
import { describe, expect, it } from 'vitest';
import { GENERATORS, type PddlInstance } from '../tools/pddl-gen.js';
import { atoms, read, section, simulate, type Tree } from './support/pddl-sim.js';

/** The problem's facts of one predicate (initial state or goal) as argument lists. */
function facts(problem: Tree[], key: ':init' | ':goal', predicate: string): string[][] {
  const part = section(problem, key)[0]!;
  const list = key === ':init' ? part.slice(1).map((a) => ({ atom: a as string[] })) : atoms(part[1]!);
  return list.filter(({ atom }) => atom[0] === predicate).map(({ atom }) => atom.slice(1));
}

/** A plan for a generated depots instance, built without search. */
function constructed(instance: PddlInstance): string[] {
  const problem = read(instance.problem)[0] as Tree[];
  const placeOf = new Map(facts(problem, ':init', 'at').map(([x, p]) => [x!, p!]));
  const hoistAt = new Map([...placeOf].filter(([x]) => x.startsWith('hoist')).map(([h, p]) => [p, h]));
  const truck = [...placeOf.keys()].find((x) => x.startsWith('truck'))!;
  const plan: string[] = [];
  let at = placeOf.get(truck)!;
  const go = (p: string) => {
    if (p !== at) plan.push(`drive.${truck}.${at}.${p}`);
    at = p;
  };
  // Collect: at each place, every crate from the top of its stack down into the truck.
  const under = new Map(facts(problem, ':init', 'on').map(([c, s]) => [c!, s!]));
  const onTop = new Map([...under].map(([c, s]) => [s, c]));
  for (const [pallet, place] of [...placeOf].filter(([x]) => x.startsWith('pallet'))) {
    const stack: string[] = [];
    for (let c = onTop.get(pallet); c; c = onTop.get(c)) stack.unshift(c);
    if (stack.length) go(place);
    stack.forEach((c, i) => {
      const h = hoistAt.get(place)!;
      plan.push(`lift.${h}.${c}.${stack[i + 1] ?? pallet}.${place}`, `load.${h}.${c}.${truck}.${place}`);
    });
  }
  // Build: the goal's stacks on pallets first (at the pallets' places), then stacks standing on no goal surface, on top
  // of whatever stands at the first pallet's place (the top of a built stack carries no goal, or it would not be a top).
  const goalUnder = new Map(facts(problem, ':goal', 'on').map(([c, s]) => [c!, s!]));
  const goalAbove = new Map([...goalUnder].map(([c, s]) => [s, c]));
  const topAt = new Map([...placeOf].filter(([x]) => x.startsWith('pallet')).map(([pallet, place]) => [place, pallet]));
  const put = (c: string, place: string) => {
    go(place);
    const h = hoistAt.get(place)!;
    plan.push(`unload.${h}.${c}.${truck}.${place}`, `drop.${h}.${c}.${topAt.get(place)}.${place}`);
    topAt.set(place, c);
  };
  const tower = (root: string, place: string) => {
    for (let c: string | undefined = root; c; c = goalAbove.get(c)) put(c, place);
  };
  const onPallets = [...goalUnder].filter(([, s]) => s.startsWith('pallet'));
  for (const [c, pallet] of onPallets) tower(c, placeOf.get(pallet)!);
  const first = placeOf.get('pallet1')!;
  for (const root of [...goalAbove.keys()].filter((s) => !s.startsWith('pallet') && !goalUnder.has(s))) tower(root, first);
  return plan;
}

describe('the depots generator makes solvable instances only', () => {
  for (const size of [10, 20, 30, 40])
    it(`depots ${size}, seeds 1-12: a constructed plan reaches the goal in the simulation`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const instance = GENERATORS.depots(size, seed);
        expect(simulate(instance, constructed(instance)), `seed ${seed}`).toBeUndefined();
      }
    });

  it('the construction is checked: without its last step it misses the goal', () => {
    const instance = GENERATORS.depots(30, 7);
    expect(simulate(instance, constructed(instance).slice(0, -1))).toMatch(/not reached/);
  });
});
