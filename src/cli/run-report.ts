// The morning review on one screen: the champion and its score, what failed, what a person still has to look at.
import type { ChalkInstance } from 'chalk';
import type { SessionState } from '../engine/types.js';
import type { Champion } from '../planners/types.js';
import { formatScore } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { safeText } from '../core/text.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function runReport(state: SessionState, champion: Champion | null, objectives: readonly Objective[], chalk: ChalkInstance): string[] {
  const p = state.progress;
  const lines: string[] = [''];
  if (champion) {
    const c = champion;
    lines.push(`${chalk.bold('Champion')} (iteration ${c.iteration}, ${plural(c.plan.steps.length, 'step')}): ${formatScore(c.score, objectives)}`);
    lines.push(chalk.dim(`  ${c.plan.steps.map((s) => safeText(s.action, true)).join(' → ')}`));
  } else if (state.rejectedChampion)
    // Valid plans there were: a person rejected the one that stood, and none other stands.
    lines.push(chalk.yellow(`No plan stands: you rejected the champion at iteration ${state.rejectedChampion.iteration}, and no other valid plan stands.`));
  else lines.push(chalk.yellow('No valid plan yet.'));
  const improved = `${plural(p.improved, 'improvement')}${state.lastImprovement ? ` (last at iteration ${state.lastImprovement})` : ''}`;
  lines.push(
    `${plural(p.completed, 'iteration')} · ${improved} · ${plural(p.alternatives, 'alternative')} · ${p.worse} worse · ${plural(p.repeats, 'repeat')}${p.rejectedBefore ? ` · ${p.rejectedBefore} rejected before` : ''} · ${p.failed} failed · ${plural(p.errors, 'planner error')}`,
  );
  // A fork's counts are its line's: say which iterations were its parent's.
  if (state.parent !== undefined && state.forkPoint)
    lines.push(
      chalk.dim(
        `  (${state.forkPoint > 1 ? `iterations 1–${state.forkPoint} were` : 'iteration 1 was'} ${safeText(state.parent, true)}'s: this session is its fork)`,
      ),
    );
  if (p.repairs)
    lines.push(
      `Repairs: ${plural(p.repairs, 'round')}, ${p.repaired} turned an invalid plan valid; ${p.firstTryValid} of ${p.firstTryValid + p.repaired} valid plans were valid at the first try`,
    );
  if (state.converged) lines.push(chalk.green(`Converged: ${state.converged.reason}`));
  const needs: string[] = [];
  // Each kind of failure where it can be looked into: a plan's findings went to lessons.md, a planner error did not.
  if (p.failed > 0) needs.push(`${plural(p.failed, 'plan')} that failed validation (see lessons.md)`);
  if (p.errors > 0) needs.push(`${plural(p.errors, 'planner error')} (check the endpoint with \`jupiter doctor\`)`);
  if (p.overridden) needs.push(`${plural(p.overridden, 'override')} of the validator to confirm`);
  if (state.pendingFeedback.length) needs.push(`${plural(state.pendingFeedback.length, 'piece')} of feedback kept as prose (unchecked)`);
  if (needs.length) lines.push(chalk.yellow(`Needs a person: ${needs.join('; ')}`));
  return lines;
}
