import { describe, expect, it } from 'vitest';
import { applyEdit } from '../src/procedures/plan-edit.js';
import { validatePlan, validateWithFixes } from '../src/procedures/validate.js';
import { GOOD, plan, RELEASE } from './support/memory-sessions.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('fix hints', () => {
  it('say "move" when the step is already in the plan, "add" when it is not', () => {
    const late = validatePlan(
      plan(['open-ticket', 'build', 'run-tests', 'approve-release', 'security-scan', 'deploy-production', 'verify', 'close-ticket']),
      RELEASE,
    );
    expect(late.findings.map((f) => f.fix)).toEqual(['move step 5 (security-scan) before step 4 (approve-release)']);
    const none = validatePlan(plan(['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'verify', 'close-ticket']), RELEASE);
    expect(none.findings.map((f) => f.fix)).toEqual(['verify needs `deployed`: add deploy-production before step 6 (verify)']);
  });

  it('never name a step whose own preconditions fail where it goes: they bring in what it needs first', () => {
    // approve-release first: run-tests (which provides `tested`) needs `artifact`, so build comes before it.
    const early = validatePlan(
      plan(['open-ticket', 'approve-release', 'build', 'run-tests', 'security-scan', 'deploy-production', 'verify', 'close-ticket']),
      RELEASE,
    );
    expect(early.findings.find((f) => f.rule === 'precondition')?.fix).toBe(
      'approve-release needs `tested`: move step 3 (build), then move step 4 (run-tests), before step 2 (approve-release)',
    );
  });

  it('on 300 broken plans, every step a fix places can run where it goes', () => {
    const rnd = prng(7);
    const actions = RELEASE.set.actions.map((a) => a.id);
    let edits = 0;
    for (let n = 0; n < 300; n++) {
      const steps = [...GOOD];
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const r = rnd();
        const i = Math.floor(rnd() * steps.length);
        if (r < 0.4) steps.splice(i, 1);
        else if (r < 0.7) steps.splice(i, 0, actions[Math.floor(rnd() * actions.length)]!);
        else steps.splice(Math.floor(rnd() * steps.length), 0, ...steps.splice(i, 1));
      }
      const p = plan(steps);
      const { result, fixes } = validateWithFixes(p, RELEASE);
      for (const f of result.findings) {
        const edit = fixes.get(f)?.edit;
        if (!edit) continue;
        edits++;
        const edited = applyEdit(p, edit);
        const after = validatePlan(edited.plan, RELEASE);
        // A step the fix placed (new or moved) never fails its own precondition.
        const placed = new Set('remove' in edit ? [] : edit.put.map((x) => (typeof x === 'number' ? x : -1)));
        for (const g of after.findings)
          if (g.rule === 'precondition' && g.step !== undefined && placed.has(edited.origin[g.step - 1]!) && edited.origin[g.step - 1] !== (f.step ?? 0) - 1)
            expect.fail(`${steps.join(' ')}: fix "${f.fix}" places a step that cannot run: ${g.message}`);
      }
    }
    expect(edits).toBeGreaterThan(100);
  });
});
