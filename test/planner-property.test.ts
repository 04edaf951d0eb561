import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { materialize, searchPlan } from '../src/planners/search.js';
import { validatePlan } from '../src/procedures/validate.js';
import type { ActionDef, PlanTarget, ProcedureSet, Rule } from '../src/procedures/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { SHIPPED } from './support/cli.js';

const FACTS = ['f0', 'f1', 'f2', 'f3', 'f4'];
const BOUND = 5;

const facts = fc.subarray(FACTS, { minLength: 0, maxLength: 3 });
const action = (i: number) =>
  fc.record({ requires: facts, provides: fc.subarray(FACTS, { minLength: 1, maxLength: 2 }), removes: facts, owner: fc.boolean() }).map(
    (a): ActionDef => ({
      id: `a${i}`,
      description: `action ${i}`,
      requires: a.requires,
      provides: a.provides,
      removes: a.removes,
      fields: a.owner ? ['owner'] : [],
      role: i % 2 ? 'odd' : 'even',
    }),
  );

const setArb = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc
    .record({
      actions: fc.tuple(...Array.from({ length: n }, (_, i) => action(i))),
      initial: facts,
      goal: fc.subarray(FACTS, { minLength: 1, maxLength: 2 }),
      rules: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('ordering' as const), before: fc.nat(n - 1), after: fc.nat(n - 1) }),
          fc.record({ kind: fc.constant('required' as const), action: fc.nat(n - 1) }),
          fc.record({ kind: fc.constant('forbidden' as const), action: fc.nat(n - 1) }),
          fc.record({ kind: fc.constant('segregation' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
          fc.record({ kind: fc.constant('max-steps' as const), max: fc.integer({ min: 1, max: BOUND }) }),
          fc.record({ kind: fc.constant('required-fields' as const), action: fc.nat(n - 1) }),
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ actions, initial, goal, rules }): PlanTarget => {
      const rs: Rule[] = [];
      rules.forEach((r, k) => {
        const id = `r${k}`;
        const base = { id, severity: 'error' as const };
        if (r.kind === 'ordering' && r.before !== r.after) rs.push({ ...base, kind: 'ordering', before: `a${r.before}`, after: `a${r.after}` });
        if (r.kind === 'required' || r.kind === 'forbidden') rs.push({ ...base, kind: r.kind, action: `a${r.action}` });
        if (r.kind === 'segregation' && r.a !== r.b) rs.push({ ...base, kind: 'segregation', actions: [`a${r.a}`, `a${r.b}`] });
        if (r.kind === 'max-steps') rs.push({ ...base, kind: 'max-steps', max: r.max });
        if (r.kind === 'required-fields') rs.push({ ...base, kind: 'required-fields', fields: ['owner', 'evidence'], actions: [`a${r.action}`] });
      });
      const set: ProcedureSet = {
        id: 'gen',
        name: 'generated',
        description: '',
        file: 'generated',
        initial,
        goals: [{ id: 'g', description: 'generated goal', keywords: [], facts: goal }],
        actions,
        rules: rs,
      };
      return { set, goal: set.goals[0]! };
    }),
);

/** Shortest valid plan by exhaustive enumeration, judged by the validator itself. */
function bruteForce(target: PlanTarget, bound: number): string[] | null {
  const ids = target.set.actions.map((a) => a.id);
  let layer: string[][] = [[]];
  for (let len = 0; len <= bound; len++) {
    for (const seq of layer) {
      if (len > 0 && validatePlan({ title: 'b', summary: '', steps: materialize(target, seq) }, target).valid) return seq;
    }
    layer = layer.flatMap((seq) => ids.map((id) => [...seq, id]));
  }
  return null;
}

describe('built-in planner', () => {
  it('returns only valid plans, as short as the shortest one, and "none" only when brute force finds none', () => {
    let found = 0;
    let none = 0;
    fc.assert(
      fc.property(setArb, (target) => {
        const result = searchPlan(target);
        const brute = bruteForce(target, BOUND);
        if (result.found) {
          found++;
          const v = validatePlan({ title: 'p', summary: '', steps: materialize(target, result.actions) }, target);
          expect(v.findings).toEqual([]);
          if (result.actions.length <= BOUND) expect(result.actions.length).toBe(brute?.length);
          else expect(brute).toBeNull();
        } else {
          none++;
          expect(result.reason).toMatch(/^no plan exists/);
          expect(brute).toBeNull();
        }
      }),
      { numRuns: 250, seed: 20261125 },
    );
    // The generator must exercise both outcomes, or the property proves little.
    expect(found).toBeGreaterThan(50);
    expect(none).toBeGreaterThan(50);
  });

  it('plans every shipped goal validly, and explains unreachable facts', () => {
    const library = loadProcedures(SHIPPED);
    for (const set of library.sets) {
      for (const goal of set.goals) {
        const r = searchPlan({ set, goal });
        expect(r.found, `${set.id}/${goal.id}`).toBe(true);
        if (r.found) expect(validatePlan({ title: 't', summary: '', steps: materialize({ set, goal }, r.actions) }, { set, goal }).findings).toEqual([]);
      }
    }
    const deploy = library.sets.find((s) => s.id === 'production-deployment')!;
    const target = { set: deploy, goal: deploy.goals[0]! };
    expect(searchPlan(target, { avoid: ['verify-production'] })).toMatchObject({
      found: false,
      reason: 'no plan exists: `production-verified` is provided only by verify-production, which is forbidden',
    });
  });

  it('honours preferences and prohibitions', () => {
    const set: ProcedureSet = {
      id: 'p',
      name: 'p',
      description: '',
      file: 'mem',
      initial: [],
      goals: [{ id: 'g', description: 'g', keywords: [], facts: ['done'] }],
      actions: [
        { id: 'fast', description: '', requires: [], provides: ['done'], removes: [], fields: [] },
        { id: 'careful', description: '', requires: [], provides: ['done'], removes: [], fields: [] },
        { id: 'prep', description: '', requires: [], provides: ['ready'], removes: [], fields: [] },
      ],
      rules: [],
    };
    const t = { set, goal: set.goals[0]! };
    expect(searchPlan(t)).toMatchObject({ actions: ['fast'] });
    expect(searchPlan(t, { prefer: ['careful'] })).toMatchObject({ actions: ['careful'] });
    expect(searchPlan(t, { avoid: ['fast'] })).toMatchObject({ actions: ['careful'] });
    const withPrep = searchPlan(t, { require: ['prep'] });
    expect(withPrep.found && [...withPrep.actions].sort()).toEqual(['fast', 'prep']);
  });

  it('solves a 50-action procedure set', () => {
    // A layered domain: 10 stages of 5 alternative actions each; the goal needs the last stage.
    const actions: ActionDef[] = [];
    for (let s = 0; s < 10; s++)
      for (let k = 0; k < 5; k++)
        actions.push({
          id: `s${s}-a${k}`,
          description: '',
          requires: s ? [`stage${s - 1}`] : [],
          provides: [`stage${s}`, `extra${k}`],
          removes: k === 4 ? [`extra0`] : [],
          fields: ['owner'],
          role: `role${k}`,
        });
    const set: ProcedureSet = {
      id: 'big',
      name: 'big',
      description: '',
      file: 'mem',
      initial: [],
      goals: [{ id: 'g', description: 'g', keywords: [], facts: ['stage9', 'extra3'] }],
      actions,
      rules: [{ id: 'req', kind: 'required', action: 's5-a2', severity: 'error' }],
    };
    const r = searchPlan({ set, goal: set.goals[0]! });
    expect(r.found).toBe(true);
    if (r.found) {
      expect(r.actions).toHaveLength(10);
      expect(r.actions).toContain('s5-a2');
      expect(validatePlan({ title: 't', summary: '', steps: materialize({ set, goal: set.goals[0]! }, r.actions) }, { set, goal: set.goals[0]! }).valid).toBe(
        true,
      );
    }
  });
});

describe('built-in planner step order', () => {
  it('follows the order the procedure declares its actions in, where the plan stays valid', async () => {
    const { canonicalOrder } = await import('../src/planners/builtin.js');
    const library = loadProcedures(SHIPPED);
    const deploy = library.sets.find((s) => s.id === 'production-deployment')!;
    const target = { set: deploy, goal: deploy.goals[0]! };
    const found = searchPlan(target);
    expect(found.found).toBe(true);
    if (!found.found) return;
    const ordered = canonicalOrder(target, found.actions);
    expect([...ordered].sort()).toEqual([...found.actions].sort());
    expect(validatePlan({ title: 't', summary: '', steps: materialize(target, ordered) }, target).findings).toEqual([]);
    // The scan comes before the release is approved, not after the deployment.
    expect(ordered.indexOf('security-scan')).toBeLessThan(ordered.indexOf('approve-release'));
    expect(ordered[0]).toBe('open-change-ticket');
  });
});
