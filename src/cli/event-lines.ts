// Engine events as lines a person reads: the header, one line per iteration, and the notable moments of a run.
import type { ChalkInstance } from 'chalk';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';
import type { EngineEvent, ScoreChange } from '../engine/types.js';
import { describeChange } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { type ForkBase, ownCounts } from '../state/lineage.js';
import { duration, plural, progressLine, span, usageLine } from './format.js';

type Event<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

/** Cuts a line to the terminal width so it never wraps (the status line must stay one line). */
export function fitWidth(text: string, columns: number): string {
  const chars = [...text];
  return chars.length <= columns ? text : `${chars.slice(0, Math.max(1, columns - 1)).join('')}…`;
}

const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

const KIND_NAMES = { pattern: 'patterns', lesson: 'lessons', feedback: 'lessons from people' } as const;

/** The prompt's memory: tokens of budget, items of all, and each kind recall left some of out ("recalled 100 of 150 lessons"). */
export function contextText(e: Event<'recalled'>): string {
  const left = e.leftOut.map((l) => ` · recalled ${l.recalled} of ${l.offered} ${KIND_NAMES[l.kind]}`).join('');
  return `context ${k(e.tokens)}/${k(e.budget)} tokens · ${e.items} of ${plural(e.total, 'item')}${left}`;
}

/** How a score changed on the first objective that differs (`▲ makespan 3d 4h → 2d 6h`), or the first score. */
function changeText(change: ScoreChange, objectives: readonly Objective[]): string {
  const text = describeChange(change.before, change.after, objectives);
  return text === '=' ? '' : text;
}

export interface HeaderOptions {
  plannerLabel: string;
  unattended: boolean;
  /** A fork: where its line branched and what the line had done by then (its own counts start there). */
  fork?: ForkBase | undefined;
}

/** `session …` and where it starts: a fork names its parent and fork point, a resume the iteration it goes on after. */
function sessionLine(e: Event<'session-started'>, fork: ForkBase | undefined): string {
  if (!fork) return `session ${e.session}${e.resumedFrom ? ` · resuming after iteration ${e.resumedFrom}` : ''}`;
  const at = fork.forkPoint;
  const resumed = e.resumedFrom && e.resumedFrom > at ? ` · resuming after iteration ${e.resumedFrom} (${e.resumedFrom - at} since the fork)` : '';
  return `session ${e.session} · a fork of ${safeText(fork.parent, true)} after iteration ${at}${resumed}`;
}

/** `up to 20 iterations`; a fork's are its own: `up to 12 iterations of its own (7–18)`. */
function iterationsText(e: Event<'session-started'>, fork: ForkBase | undefined): string {
  if (!fork) return `up to ${plural(e.iterations, 'iteration')}`;
  return `up to ${plural(e.iterations - fork.forkPoint, 'iteration')} of its own (${span(fork.forkPoint + 1, e.iterations)})`;
}

/** Three short lines: goal and target, session id, planner and settings. A long one wraps; nothing is cut. */
export function headerLines(e: Event<'session-started'>, o: HeaderOptions, c: ChalkInstance): string[] {
  const checkpoints = e.checkpoint ? `checkpoint every ${plural(e.checkpoint, 'iteration')}` : o.unattended ? 'no checkpoints' : 'one review at the end';
  return [
    `${c.bold('jupiter')} · ${safeText(e.goalText, true)} → ${e.procedure}/${e.goalId}`,
    c.dim(sessionLine(e, o.fork)),
    c.dim(`planner: ${o.plannerLabel} · ${iterationsText(e, o.fork)} · ${checkpoints}`),
    ...(e.humanRules.length ? [`Rules in force from human_rules.md (${e.humanRules.length}):`] : []),
    ...e.humanRules.map((r) => `  • ${safeText(r, true)}`),
  ];
}

/** The words for a valid outcome that is not an improvement (the outcomes a terminal folds into one line). */
const QUIET: Record<string, { mark: (c: ChalkInstance) => string; words: string; many: string }> = {
  alternative: { mark: (c) => c.green('='), words: 'valid, as good as the best so far', many: 'as good as the best' },
  worse: { mark: (c) => c.green('✔'), words: 'valid, not better than the best so far', many: 'not better' },
  repeat: { mark: (c) => c.dim('·'), words: 'valid, a plan already proposed', many: 'repeats' },
};

/** Whether an iteration's outcome deserves its own line on a live terminal (the rest only move the status line). */
export function notable(e: Event<'iteration-finished'>): boolean {
  // A repaired plan, or one with a claim checked, is worth its line even when it came to a repeat: that is news.
  return e.repairs > 0 || e.claim !== undefined || !(e.outcome in QUIET);
}

export function iterationLine(e: Event<'iteration-finished'>, c: ChalkInstance, tail = ''): string {
  const repairs = e.repairs ? ` after ${plural(e.repairs, 'repair')}` : '';
  // Best of the plans it chose among: an answer that held no usable plan is said apart, not counted in.
  const among = e.proposals ?? e.candidates;
  const unusable = e.candidates - among;
  const candidates = e.candidates > 1 ? ` (best of ${among}${unusable > 0 ? `; ${unusable} of ${e.candidates} answers unusable` : ''})` : '';
  const head = `Iteration ${e.iteration}`;
  const quiet = QUIET[e.outcome];
  let text: string;
  switch (e.outcome) {
    case 'improved': {
      const change = e.change ? changeText(e.change, e.objectives) : '';
      text = `${c.green('▲')} ${head}: ${e.change?.before ? 'better plan' : 'first valid plan'}${change ? ` · ${change}` : ''}${repairs}${candidates}`;
      break;
    }
    case 'alternative':
    case 'worse':
    case 'repeat':
      text = `${quiet!.mark(c)} ${head}: ${quiet!.words}${repairs}${e.outcome === 'repeat' ? '' : candidates}`;
      break;
    case 'rejected-before':
      text = `${c.yellow('✖')} ${head}: valid, but you rejected this plan before (same steps, same schedule): not approved${repairs}`;
      break;
    case 'failed':
      text = `${c.red('✖')} ${head}: failed validation · ${plural(e.errors, 'error')}${repairs}${e.error ? ` · ${safeText(e.error, true)}` : ''}`;
      break;
    default:
      text = `${c.red('✖')} ${head}: the planner failed${e.error ? `: ${safeText(e.error, true)}` : ''}`;
  }
  // A model's claim that the plan is optimal is shown only with what checking it came to.
  const claim = e.claim ? ` · its claim to be optimal: ${e.claim.verdict === 'holds' ? c.green(e.claim.text) : e.claim.text}` : '';
  return `${text}${claim}${tail ? c.dim(tail) : ''}`;
}

/** Iterations in a row with the same quiet outcome, as one counter line: `· Iterations 2–5: valid, a plan already proposed (4 repeats)`. */
export function foldedLine(first: Event<'iteration-finished'>, last: Event<'iteration-finished'>, c: ChalkInstance, tail: string): string {
  const quiet = QUIET[last.outcome];
  if (first === last || !quiet) return iterationLine(last, c, tail);
  const count = last.iteration - first.iteration + 1;
  // No tail: one iteration's context and tokens would read as the whole span's.
  return `${quiet.mark(c)} Iterations ${first.iteration}–${last.iteration}: ${quiet.words} (${count} ${quiet.many})`;
}

/** The plan a decision was about: `the champion of iteration 3`, `the plan of iteration 6`. */
function reviewedText(e: Event<'decision'>): string {
  const p = e.plan;
  if (!p) return `the plan of iteration ${e.iteration}`;
  // A decision at a later checkpoint says when it was taken too: the champion may be many iterations old.
  const at = p.iteration === e.iteration ? '' : ` (at iteration ${e.iteration})`;
  return `${p.kind === 'champion' ? 'the champion' : 'the plan'} of iteration ${p.iteration}${at}`;
}

/** What a person decided, in words (not the engine's kind names). */
function decisionLine(e: Event<'decision'>, c: ChalkInstance): string {
  const reason = e.reason ? `: "${safeText(e.reason, true)}"` : '';
  switch (e.decision) {
    case 'continue':
      return c.dim(`  → continuing after iteration ${e.iteration}`);
    case 'finish':
      // "Finish" at the final checkpoint: nothing runs after it (the closing lines follow).
      return c.dim(`  → finished after iteration ${e.iteration}`);
    case 'human-approval':
      return `${c.green('✔')} You approved ${reviewedText(e)}`;
    case 'rejection':
      // No plan to reject (none proposed yet): the reason is feedback for the next plan.
      if (!e.plan && e.reason !== undefined) return `${c.yellow('✖')} Your feedback at iteration ${e.iteration}${reason}`;
      return `${c.yellow('✖')} You rejected ${reviewedText(e)}${reason}`;
    case 'override':
      return `${c.yellow('!')} You accepted the invalid plan of iteration ${e.plan?.iteration ?? e.iteration} (an override, never learned from)${reason}`;
    case 'retry':
      return c.dim(`  ↻ retrying iteration ${e.iteration + 1}`);
    default:
      return c.dim(`  ${safeText(e.decision, true)} at iteration ${e.iteration}${reason}`);
  }
}

function feedbackLine(e: Event<'feedback-read'>, c: ChalkInstance, notesFollowed = true): string {
  const rules = e.reading.lines.map((l) => safeText(l, true)).join('; ');
  const unread = (e.reading.unread ?? []).map((w) => `"${safeText(w, true)}"`).join(', ');
  // A model configured to read feedback that could not: who read it instead is said, not hidden.
  const by = e.reading.fallback ? ` (${safeText(e.reading.fallback, true)})` : '';
  if (e.enforced)
    return `${c.cyan('◆')} Feedback enforced as ${plural(e.reading.constraints.length, 'rule')}: ${rules}${unread ? ` (not read, or not all of it; not checked: ${unread})` : ''}${by}`;
  const kept = notesFollowed
    ? 'kept as a note for the planner (not checked by the validator)'
    : 'kept as a note (the built-in planner does not read notes; not checked by the validator)';
  return c.dim(`  feedback ${kept}: "${safeText(e.reading.text, true)}"${by}`);
}

export interface LineOptions {
  /** The session's checkpoint interval (0: none). */
  checkpoint: number;
  /** A fork: its checkpoints and counts are its own, from its fork point. */
  fork?: ForkBase | undefined;
  /** Whether the planner reads notes (a model does; the built-in planner does not). Default: it does. */
  notesFollowed?: boolean;
}

/** `iteration 10`, and for a fork ` (4 since the fork)`. */
function atText(iteration: number, fork: ForkBase | undefined): string {
  return `iteration ${iteration}${fork ? ` (${iteration - fork.forkPoint} since the fork)` : ''}`;
}

/** The line for an event that always gets one (on a terminal and in a log alike); null for the others. */
export function eventLine(e: EngineEvent, o: LineOptions, c: ChalkInstance): string | null {
  switch (e.type) {
    case 'paused':
      // Said once, where it matters: by the prompt that follows, or by the closing line of an unattended halt.
      return null;
    case 'checkpoint': {
      // An awaited checkpoint is shown in full by the prompt that follows; the end of a run with no checkpoints
      // (the engine's final review) is not a checkpoint to a person who asked for none.
      if (e.awaited || o.checkpoint === 0 || (e.iteration - (o.fork?.forkPoint ?? 0)) % o.checkpoint !== 0) return null;
      const own = ownCounts(e, o.fork);
      const usage = usageLine(own.usage);
      return c.cyan(
        `◆ Checkpoint after ${atText(e.iteration, o.fork)}: ${progressLine(own.progress)}${usage ? ` · ${usage}` : ''} (unattended: recorded${e.final ? '' : ', continuing'})`,
      );
    }
    case 'decision':
      return decisionLine(e, c);
    case 'feedback-read':
      return feedbackLine(e, c, o.notesFollowed);
    case 'converged':
      return `${c.green('★')} Converged at iteration ${e.iteration}: ${safeText(e.reason, true)}`;
    case 'patience':
      return c.yellow(`… No better plan in ${plural(e.idle, 'iteration')} (at iteration ${e.iteration})`);
    case 'warning':
      return c.yellow(`! ${safeText(e.message, true)}`);
    case 'finished': {
      const own = ownCounts(e, o.fork);
      const usage = usageLine(own.usage);
      const head =
        e.status === 'completed'
          ? c.green('Done.')
          : c.yellow(`Session ${e.status} after ${o.fork ? atText(e.progress.completed, o.fork) : plural(e.progress.completed, 'iteration')}.`);
      return `${head} ${o.fork ? 'This fork: ' : ''}${progressLine(own.progress)}${usage ? ` · ${usage}` : ''}`;
    }
    default:
      return null;
  }
}

/** A retry the planner is waiting on. */
export function retryText(e: Event<'retry'>): string {
  return `${safeText(redactSecrets(e.reason), true)}; retry ${e.attempt} in ${duration(e.delayMs)}`;
}
