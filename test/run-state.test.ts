// What a run keeps in hand is kept as the same objects while nothing changed, so a planner's per-object memo (the
// champion block, the system message) is reused instead of rebuilt every iteration.
import { describe, expect, it } from 'vitest';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { newSession } from '../src/engine/session.js';
import { RunState } from '../src/engine/run-state.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';
import { loadProcedures } from '../src/procedures/load.js';
import { planId } from '../src/procedures/quality.js';
import { findTarget } from '../src/procedures/target.js';
import type { Rule } from '../src/procedures/types.js';
import { SHIPPED } from './support/cli.js';

const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const state = () => newSession('s1', 'Deploy the orchestrator', target, defaultSessionSettings(SHIPPED), new Date('2026-11-25T10:00:00Z'));
const noStore = { planOf: async () => undefined };
const rule = (id: string, action: string): Rule => ({ id, kind: 'forbidden', action, severity: 'error', source: { file: 'human_rules.md', line: 1 } }) as Rule;

describe('RunState', () => {
  it('joins the human rules into one target object while the rules are the same objects', () => {
    const run = new RunState(state(), noStore);
    expect(run.targetWith(target, [])).toBe(target);
    const rules = [rule('human-no-notify', 'notify-stakeholders')];
    const joined = run.targetWith(target, rules);
    expect(joined).not.toBe(target);
    expect(joined.set.rules.map((r) => r.id)).toContain('human-no-notify');
    // A new array holding the same rule objects (what the rules file hands out each iteration): the same target.
    expect(run.targetWith(target, [...rules])).toBe(joined);
    // Another rule, or another object for it: joined afresh.
    const more = [...rules, rule('human-no-canary', 'canary-release')];
    const again = run.targetWith(target, more);
    expect(again).not.toBe(joined);
    expect(again.set.rules.map((r) => r.id)).toEqual(expect.arrayContaining(['human-no-notify', 'human-no-canary']));
    expect(run.targetWith(target, [rule('human-no-notify', 'notify-stakeholders')])).not.toBe(again);
  });

  it('keeps the first plan it was handed under an id', async () => {
    const s = state();
    const run = new RunState(s, noStore);
    const found = searchPlan(target);
    if (!found.found) throw new Error(found.reason);
    const first = planFromActions(target, found.actions, 'test');
    const copy = structuredClone(first);
    const id = planId(first);
    expect(planId(copy)).toBe(id);
    run.hold(id, first);
    run.hold(id, copy);
    expect(await run.planOf({ planId: id, iteration: 1, score: { steps: first.steps.length } } as never)).toBe(first);
  });
});
