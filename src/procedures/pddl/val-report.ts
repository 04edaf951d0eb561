// A validation result in VAL's own words, so a verdict can be compared line for line with the reference validator.
import type { Plan, ValidationResult } from '../../core/plan.js';

const pddlForm = (action: string) => `(${action.split('.').join(' ')})`;

/**
 * VAL's sequence of messages for this result: execution (stopping at the first step that cannot run), then the
 * goal check only when every step ran, then the verdict.
 */
export function valMessages(result: ValidationResult, plan: Plan): string[] {
  if (result.stoppedAt !== undefined) {
    const step = plan.steps[result.stoppedAt - 1];
    const unknown = result.findings.some((f) => f.rule === 'unknown-action' && f.step === result.stoppedAt);
    const first = unknown
      ? `Bad plan description: no such action ${pddlForm(step?.action ?? '?')}`
      : `Plan failed because of unsatisfied precondition in: ${pddlForm(step?.action ?? '?')} at step ${result.stoppedAt}`;
    return [first, 'Plan failed to execute', 'Plan invalid'];
  }
  const goalMet = !result.findings.some((f) => f.rule === 'goal');
  const out = ['Plan executed successfully - checking goal', goalMet ? 'Plan valid' : 'Goal not satisfied'];
  // Procedure rules are jupiter's own (VAL has none): a rule error makes the plan invalid after a goal VAL accepts.
  if (goalMet && !result.valid) out.push('Procedure rules violated - plan invalid');
  if (!goalMet) out.push('Plan invalid');
  return out;
}
