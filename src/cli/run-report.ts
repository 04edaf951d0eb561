// The morning review on one screen: the champion and its score, what failed, what a person still has to look at.
import type { ChalkInstance } from 'chalk';
import type { SessionState } from '../engine/types.js';
import type { Champion } from '../planners/types.js';
import { formatScore } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { safeText } from '../core/text.js';
import { type ForkBase, ownCounts } from '../state/lineage.js';
import { ALTERNATIVES, span } from './format.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The standing alternatives, the set the checkpoint lists: `Alternatives standing (…): 2 (iterations 2, 1)`. */
function alternativesText(state: Pick<SessionState, 'alternatives'>): string {
  const a = state.alternatives;
  return `${ALTERNATIVES}: ${a.length}${a.length ? ` (iteration${a.length === 1 ? '' : 's'} ${a.map((x) => x.iteration).join(', ')})` : ''}`;
}

export function runReport(state: SessionState, champion: Champion | null, objectives: readonly Objective[], chalk: ChalkInstance, fork?: ForkBase): string[] {
  const p = ownCounts(state, fork).progress;
  const lines: string[] = [''];
  const whose = (iteration: number) => (fork && iteration <= fork.forkPoint ? `, ${safeText(fork.parent, true)}'s` : '');
  if (champion) {
    const c = champion;
    lines.push(
      `${chalk.bold('Champion')} (iteration ${c.iteration}${whose(c.iteration)}, ${plural(c.plan.steps.length, 'step')}): ${formatScore(c.score, objectives)}`,
    );
    lines.push(chalk.dim(`  ${c.plan.steps.map((s) => safeText(s.action, true)).join(' → ')}`));
  } else if (state.rejectedChampion)
    // Valid plans there were: a person rejected the one that stood, and none other stands.
    lines.push(chalk.yellow(`No plan stands: you rejected the champion at iteration ${state.rejectedChampion.iteration}, and no other valid plan stands.`));
  else lines.push(chalk.yellow('No valid plan yet.'));
  // A fork's counts are its own: an improvement before its fork point is its parent's.
  const last = state.lastImprovement && p.improved ? ` (last at iteration ${state.lastImprovement})` : '';
  const iterations = fork
    ? `${plural(p.completed, 'iteration')} of this fork (${p.completed ? span(fork.forkPoint + 1, state.progress.completed) : 'none yet'})`
    : plural(p.completed, 'iteration');
  lines.push(
    `${iterations} · ${plural(p.improved, 'improvement')}${last} · ${p.alternatives} as good as the best · ${p.worse} worse · ${plural(p.repeats, 'repeat')}${p.rejectedBefore ? ` · ${p.rejectedBefore} rejected before` : ''} · ${p.failed} failed · ${plural(p.errors, 'planner error')}`,
  );
  if (fork)
    lines.push(
      chalk.dim(
        `  (a fork of ${safeText(fork.parent, true)} after iteration ${fork.forkPoint}: with its iterations the line has ${plural(state.progress.completed, 'iteration')} and ${plural(state.progress.improved, 'improvement')}${underObjectives(state)})`,
      ),
    );
  if (champion) lines.push(alternativesText(state));
  lines.push(...needsLines(state, p, chalk));
  return lines;
}

/** A fork given its own objectives re-judged its line under them: its count of the line's improvements says so. */
const underObjectives = (state: SessionState) => (state.settings.objectives?.length ? ` under ${state.settings.objectives.join(', ')}` : '');

/** Repairs, convergence, and what a person still has to look at. */
function needsLines(state: SessionState, p: SessionState['progress'], chalk: ChalkInstance): string[] {
  const lines: string[] = [];
  if (p.repairs)
    lines.push(
      `Repairs: ${plural(p.repairs, 'round')}, ${p.repaired} turned an invalid plan valid; ${p.firstTryValid} of ${p.firstTryValid + p.repaired} valid plans were valid at the first try`,
    );
  if (state.converged) lines.push(chalk.green(`Converged: ${state.converged.reason}`));
  const needs: string[] = [];
  // Each kind of failure where it can be looked into: a plan's findings went to lessons.md, a planner error did not.
  if (p.failed > 0) needs.push(`${plural(p.failed, 'plan')} that failed validation (see lessons.md)`);
  // The built-in planner has no endpoint: its errors say what it could not find (the iteration lines have them).
  if (p.errors > 0)
    needs.push(
      `${plural(p.errors, 'planner error')} (${state.settings.provider === 'builtin' ? "the built-in planner's: see the iteration lines" : 'check the endpoint with `jupiter doctor`'})`,
    );
  if (p.overridden) needs.push(`${plural(p.overridden, 'override')} of the validator to confirm`);
  if (state.pendingFeedback.length) needs.push(`${plural(state.pendingFeedback.length, 'piece')} of feedback kept as prose (unchecked)`);
  if (needs.length) lines.push(chalk.yellow(`Needs a person: ${needs.join('; ')}`));
  return lines;
}
