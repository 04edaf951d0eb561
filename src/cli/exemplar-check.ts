// Which human rules in force for a goal its best plan's order of steps breaks: summary marks such a plan instead of
// showing it as the best unchecked (the prompt leaves such an exemplar out: planners/prompt.ts staleExemplar). Memory
// keeps an exemplar's actions, not its owners or fields, so only the rules about steps (kindOf(r).aboutSteps) count.
import path from 'node:path';
import { ruleLine } from '../feedback/rule-text.js';
import { confirmedGoalRules, hasConfirmedGoalRules } from '../memory/human-rules-check.js';
import { FILES } from '../memory/store.js';
import { loadProceduresCached } from '../procedures/load-cached.js';
import { findTarget } from '../procedures/target.js';
import { kindOf } from '../procedures/rules/index.js';
import type { ProcedureLibrary } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';

/** A checker for learningSummary; with procedures or human rules that do not load, it checks nothing (says nothing). */
export async function exemplarCheck(proceduresDir: string, memoryDir: string): Promise<(scope: string, steps: string[]) => string[]> {
  // No confirmed goal rule, nothing to check: the procedures are not read (summary stays as fast as before).
  let library: ProcedureLibrary;
  try {
    if (!hasConfirmedGoalRules(memoryDir)) return () => [];
    // Through the runs' cache of the parsed procedures (read only: summary writes nothing).
    library = (await loadProceduresCached(proceduresDir, path.join(memoryDir, FILES.internal, 'procedures.json'))).library;
  } catch {
    return () => [];
  }
  return (scope, steps) => {
    try {
      const target = findTarget(library, scope);
      const goal = { procedure: target.set.id, goalId: target.goal.id };
      const rules = confirmedGoalRules(memoryDir, library, goal).rules.filter((r) => kindOf(r).aboutSteps);
      if (!rules.length) return [];
      const plan = { title: '', summary: '', steps: steps.map((action) => ({ action })) };
      const broken = new Set(validatePlan(plan, { set: { ...target.set, rules }, goal: target.goal }).findings.map((f) => f.rule));
      return rules.filter((r) => broken.has(r.id)).map(ruleLine);
    } catch {
      return [];
    }
  };
}
