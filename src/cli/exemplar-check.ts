// Which human rules in force for a goal its best plan's order of steps breaks: summary marks such a plan instead of
// showing it as the best unchecked. Memory keeps an exemplar's actions, not its owners or fields, so only the rules
// about which steps and in what order are checked.
import { ruleLine } from '../feedback/rule-text.js';
import { confirmedGoalRules } from '../memory/human-rules-check.js';
import { loadProcedures } from '../procedures/load.js';
import { findTarget } from '../procedures/target.js';
import type { ProcedureLibrary, Rule } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';

const ORDER_KINDS: ReadonlySet<Rule['kind']> = new Set(['ordering', 'immediately-after', 'forbidden', 'required', 'max-steps']);

/** A checker for learningSummary; with procedures or human rules that do not load, it checks nothing (says nothing). */
export function exemplarCheck(proceduresDir: string, memoryDir: string): (scope: string, steps: string[]) => string[] {
  let library: ProcedureLibrary;
  try {
    library = loadProcedures(proceduresDir);
  } catch {
    return () => [];
  }
  return (scope, steps) => {
    try {
      const target = findTarget(library, scope);
      const goal = { procedure: target.set.id, goalId: target.goal.id };
      const rules = confirmedGoalRules(memoryDir, library, goal).rules.filter((r) => ORDER_KINDS.has(r.kind));
      if (!rules.length) return [];
      const plan = { title: '', summary: '', steps: steps.map((action) => ({ action })) };
      const broken = new Set(validatePlan(plan, { set: { ...target.set, rules }, goal: target.goal }).findings.map((f) => f.rule));
      return rules.filter((r) => broken.has(r.id)).map(ruleLine);
    } catch {
      return [];
    }
  };
}
