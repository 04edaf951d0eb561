// The person at the keyboard: checkpoint and failure prompts with @inquirer/prompts (the engine's Reviewer).
import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import type {
  CheckpointContext,
  CheckpointDecision,
  FailureContext,
  FailureDecision,
  PatienceContext,
  PatienceDecision,
  ReadingDecision,
  Reviewer,
} from '../engine/types.js';
import { actionsOf, humanRule, parseRuleLine, ruleBody, ruleLine, ruleSentence } from '../feedback/rule-text.js';
import type { FeedbackReading } from '../feedback/types.js';
import type { RuleConflict } from '../memory/human-rules.js';
import type { Plan } from '../core/plan.js';
import { safeText } from '../core/text.js';
import { type ForkBase, ownCounts } from '../state/lineage.js';
import { ALTERNATIVES, plural, progressLine, usageLine } from './format.js';
import type { InStream, OutStream } from './io.js';
import { renderValidation } from './render-validation.js';
import { scheduleLines } from './schedule-view.js';
import { describeChange, formatScore, OBJECTIVE_MEANING } from '../procedures/quality.js';
import type { PlanTarget, Rule } from '../procedures/types.js';
import { RuleBuilder } from './rule-builder.js';
import { yaml } from '../core/yaml-doc.js';

/** The prompt library, loaded at the first question: unattended and --json runs never ask one, so never load it (~25 ms). */
const prompts = () => import('@inquirer/prompts');

/** The default (one Enter) is this session only: a rule for every later session on the goal is an explicit choice. */
const READ_CHOICES = [
  { name: 'Yes, for this session only', value: 'session' as const },
  { name: 'Yes, for every session on this goal', value: 'goal' as const },
];

/** Esc pressed in a text prompt: back to the menu it came from. */
const BACK = Symbol('back');

function showPlan(say: (line?: string) => void, chalk: ChalkInstance, plan: Plan | null, full: boolean, target?: PlanTarget): void {
  if (!plan) {
    say(chalk.dim('  (no plan yet)'));
    return;
  }
  say(`  ${chalk.bold(safeText(plan.title, true))} (${plural(plan.steps.length, 'step')})`);
  if (full) {
    if (plan.summary) say(`  ${safeText(plan.summary, true)}`);
    for (const line of safeText(yaml().stringify(plan.steps)).split('\n')) say(`    ${line}`);
    // Start and end of every step, as the validator's schedule has them.
    if (target) for (const line of scheduleLines(plan, target)) say(`  ${line}`);
  } else {
    plan.steps.forEach((s, i) =>
      say(`   ${String(i + 1).padStart(2)}. ${safeText(s.action, true)}${s.owner ? chalk.dim(` — ${safeText(s.owner, true)}`) : ''}`),
    );
  }
}

export interface PromptReviewerOptions {
  /** Lines of the learning summary, shown on request. */
  summary: () => Promise<string[]>;
  /** Called before a prompt takes the terminal (stop the spinner). */
  beforePrompt: () => void;
  /** Ctrl-C at a prompt interrupts the run (exit 130), like Ctrl-C anywhere else. */
  onInterrupt: () => void;
  /** Aborted by SIGTERM or SIGHUP: a prompt waiting for keys gives up, so the run can save and exit. */
  signal?: AbortSignal;
  /** The procedure and goal plans are checked against: the full plan view shows its schedule; the rule builder its actions. */
  target?: PlanTarget;
  /** Whether the planner reads notes (a model does; the built-in planner cannot). */
  notesFollowed?: boolean;
  /** Keys come from here (the terminal). */
  input: InStream;
  /** Where prompts and views go: the terminal; stderr when stdout carries --json events or is a pipe. */
  output: OutStream;
  color: ChalkInstance;
  /** A fork: its checkpoints count its own iterations (see state/lineage.ts ownCounts). */
  fork?: ForkBase | undefined;
}

export class PromptReviewer implements Reviewer {
  private readonly say: (line?: string) => void;
  private readonly chalk: ChalkInstance;

  constructor(private readonly opts: PromptReviewerOptions) {
    this.say = (line = '') => void opts.output.write(`${line}\n`);
    this.chalk = opts.color;
  }

  private get context() {
    return { input: this.opts.input, output: this.opts.output, ...(this.opts.signal ? { signal: this.opts.signal } : {}) };
  }

  private show(plan: Plan | null, full: boolean): void {
    showPlan(this.say, this.chalk, plan, full, full ? this.opts.target : undefined);
  }

  /** A text prompt that Esc backs out of (returns BACK), so a person who chose "Reject" by mistake can change their mind. */
  private async text(message: string, required: string, preset?: string): Promise<string | typeof BACK> {
    const backOut = new AbortController();
    const onKey = (_: unknown, key?: { name?: string }) => {
      if (key?.name === 'escape') backOut.abort();
    };
    this.opts.input.on('keypress', onKey);
    try {
      const answer = await (await prompts()).input(
        { message, ...(preset ? { default: preset } : {}), validate: (v) => (v.trim() ? true : required) },
        { ...this.context, signal: this.opts.signal ? AbortSignal.any([backOut.signal, this.opts.signal]) : backOut.signal },
      );
      return answer.trim();
    } catch (err) {
      if (backOut.signal.aborted && err instanceof Error && err.name === 'AbortPromptError') {
        this.say(this.chalk.dim('  (back)'));
        return BACK;
      }
      throw err;
    } finally {
      this.opts.input.off('keypress', onKey);
    }
  }

  private reason(): Promise<string | typeof BACK> {
    return this.text('Reason for rejecting (Esc to go back):', 'Please give a reason');
  }

  private async guard<T>(ask: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await ask();
    } catch (err) {
      if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
        this.opts.onInterrupt();
        return fallback;
      }
      throw err;
    }
  }

  async checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision> {
    this.opts.beforePrompt();
    const { say, chalk } = this;
    say();
    const fork = this.opts.fork;
    const of = fork ? ` (${ctx.iteration - fork.forkPoint} of this fork's ${ctx.session.settings.iterations - fork.forkPoint})` : '';
    say(chalk.cyan.bold(`Checkpoint · iteration ${ctx.iteration}/${ctx.session.settings.iterations}${of}${ctx.final ? ' (final)' : ''}`));
    const own = ownCounts(ctx.session, fork);
    say(`  ${fork ? 'This fork: ' : ''}${progressLine(own.progress)}`);
    if (usageLine(own.usage)) say(`  ${usageLine(own.usage)}`);
    for (const line of championLines(ctx, chalk)) say(`  ${line}`);
    this.show(ctx.plan, false);
    if (ctx.validation) renderValidation(ctx.validation, chalk).forEach((l) => say(`  ${l}`));
    // Only choices that make sense: nothing to approve or review without a plan; no "and continue" at the end.
    const choices = [
      { name: ctx.final ? 'Finish' : 'Continue autonomously', value: 'continue' },
      ...(ctx.champion ? [{ name: ctx.final ? 'Approve this plan and finish' : 'Approve this plan and continue', value: 'approve' }] : []),
      ...(ctx.plan ? [{ name: 'Review the full plan', value: 'review' }] : []),
      { name: ctx.plan ? 'Reject with a reason' : 'Give feedback for the next plan', value: 'reject' },
      { name: 'View the learning summary', value: 'summary' },
      { name: 'Stop', value: 'stop' },
    ];
    return this.guard(
      async () => {
        for (;;) {
          const choice = await (await prompts()).select({ message: 'What next?', choices }, this.context);
          if (choice === 'review') this.show(ctx.plan, true);
          else if (choice === 'summary') (await this.opts.summary()).forEach((l) => say(l));
          else if (choice === 'reject') {
            const reason = await this.reason();
            if (reason !== BACK) return { kind: 'reject', reason };
          } else return { kind: choice as 'continue' | 'approve' | 'stop' };
        }
      },
      { kind: 'stop' } as CheckpointDecision,
    );
  }

  async failure(ctx: FailureContext): Promise<FailureDecision> {
    this.opts.beforePrompt();
    const { say, chalk } = this;
    say();
    say(
      chalk.yellow.bold(
        `Paused · iteration ${ctx.iteration}: ${ctx.error ? `the planner failed: ${safeText(ctx.error, true)}` : 'the plan failed validation'}`,
      ),
    );
    if (!ctx.error && ctx.validation) {
      this.show(ctx.plan, false);
      renderValidation(ctx.validation, chalk).forEach((l) => say(`  ${l}`));
    }
    return this.guard(
      async () => {
        for (;;) {
          const choices = [
            { name: 'Reject with a reason (feedback, then regenerate)', value: 'reject' },
            { name: 'Retry', value: 'retry' },
            ...(ctx.error
              ? []
              : [
                  { name: 'Approve anyway (logged as a human override)', value: 'approve' },
                  { name: 'Review the full plan', value: 'review' },
                ]),
            { name: 'Stop', value: 'stop' },
          ];
          const choice = await (await prompts()).select({ message: 'What next?', choices }, this.context);
          if (choice === 'review') this.show(ctx.plan, true);
          else if (choice === 'reject') {
            const reason = await this.reason();
            if (reason !== BACK) return { kind: 'reject', reason };
          } else if (choice === 'approve') {
            // An override is a person's call against the validator: it needs a reason and a second yes.
            const reason = await this.text('Why accept a plan that fails validation? (logged with the override; Esc to go back)', 'Please give a reason');
            if (reason === BACK) continue;
            const errors = ctx.validation?.findings.filter((f) => f.severity === 'error').length ?? 0;
            if (
              await (await prompts()).confirm(
                {
                  message: `Accept this plan despite ${errors} error${errors === 1 ? '' : 's'}? It is logged as an override and never learned from.`,
                  default: false,
                },
                this.context,
              )
            )
              return { kind: 'override', reason };
          } else return { kind: choice as 'retry' | 'stop' };
        }
      },
      { kind: 'stop' } as FailureDecision,
    );
  }

  async confirmReading(reading: FeedbackReading): Promise<ReadingDecision> {
    this.opts.beforePrompt();
    const { say, chalk } = this;
    if (reading.fallback) say(chalk.dim(`  ${safeText(reading.fallback, true)}`));
    if (reading.constraints.length === 0) {
      say(chalk.yellow(`  I could not read "${safeText(reading.text, true)}" as a rule the validator can check.`));
      say(
        this.opts.notesFollowed
          ? '  As a note the planner reads it, but nothing checks that a plan follows it.'
          : '  The built-in planner cannot follow notes: as a note it changes nothing. Say it as a rule to make it stick.',
      );
    } else {
      say(`  I read this as:`);
      for (const rule of reading.constraints) this.sayRule(rule);
      for (const words of reading.unread ?? []) say(chalk.yellow(`  Not read, or not all of it (nothing checks what was not): "${safeText(words, true)}"`));
    }
    const choices = [
      ...(reading.constraints.length ? READ_CHOICES : [{ name: 'Keep it as a note (not checked)', value: 'note' as const }]),
      ...(this.opts.target ? [{ name: 'Say it as a rule myself (rule builder)', value: 'build' as const }] : []),
      { name: 'Reword it and read it again', value: 'edit' as const },
      ...(reading.constraints.length ? [{ name: 'Keep it as a note (not checked)', value: 'note' as const }] : []),
    ];
    return this.guard(
      async () => {
        for (;;) {
          const choice = await (await prompts()).select({ message: reading.constraints.length ? 'Enforce it?' : 'What now?', choices }, this.context);
          if (choice === 'edit') {
            const text = await this.text('Reworded feedback (Esc keeps it as a note):', 'Please give the feedback', reading.text);
            return text === BACK ? { kind: 'note' } : { kind: 'edit', text };
          }
          if (choice === 'build') {
            const built = await this.buildRule(reading.text);
            if (built) return built;
            continue;
          }
          if (choice === 'note') return { kind: 'note' };
          return { kind: 'accept', scope: choice };
        }
      },
      { kind: 'note' } as ReadingDecision,
    );
  }

  async replaceRules(conflicts: RuleConflict[], reading: FeedbackReading): Promise<boolean> {
    this.opts.beforePrompt();
    const { say, chalk } = this;
    say(chalk.yellow(`  This contradicts ${conflicts.length === 1 ? 'a rule' : `${conflicts.length} rules`} you kept:`));
    for (const c of conflicts) {
      const where = `${path.relative(process.cwd(), c.file) || c.file}${c.line !== undefined ? `:${c.line}` : ''}`;
      say(`   • ${safeText(c.rule, true)}${c.quote ? ` (your words: "${safeText(c.quote, true)}")` : ''}`);
      say(chalk.dim(`       ${safeText(where, true)}`));
    }
    const choice = await this.guard(
      () =>
        prompts().then((p) =>
          p.select(
            {
              message: `Replace ${conflicts.length === 1 ? 'it' : 'them'} with the new rule?`,
              choices: [
                { name: `Yes: replace ${conflicts.length === 1 ? 'the kept rule' : 'the kept rules'}`, value: 'replace' as const },
                {
                  name: `No: keep ${conflicts.length === 1 ? 'it' : 'them'}, and keep "${safeText(reading.text, true).slice(0, 60)}" as a note`,
                  value: 'keep' as const,
                },
              ],
            },
            this.context,
          ),
        ),
      'keep' as const,
    );
    return choice === 'replace';
  }

  /** A rule in plain words, with what each action it names does. */
  private sayRule(rule: Rule): void {
    const body = ruleBody(rule);
    this.say(`   • ${safeText(body ? ruleSentence(body) : ruleLine(rule), true)}`);
    for (const id of actionsOf(rule)) {
      const about = this.opts.target?.set.actions.find((a) => a.id === id)?.description;
      if (about) this.say(this.chalk.dim(`       ${id}: ${safeText(about.length > 90 ? `${about.slice(0, 87)}...` : about, true)}`));
    }
  }

  /** The builder, then the scope (this session unless the person picks the goal); undefined when they went back. */
  private async buildRule(text: string): Promise<ReadingDecision | undefined> {
    const target = this.opts.target!;
    const line = await new RuleBuilder(target.set.actions, this.context, this.chalk).build();
    const body = line ? parseRuleLine(line) : undefined;
    if (!line || !body) return undefined;
    const rule = humanRule(body, text);
    this.say('  Your rule:');
    this.sayRule(rule);
    const scope = await (await prompts()).select({ message: 'Enforce it?', choices: READ_CHOICES.slice(0, 2) }, this.context);
    return { kind: 'accept', scope, reading: { text, constraints: [rule], lines: [line], by: 'person' } };
  }

  async patience(ctx: PatienceContext): Promise<PatienceDecision> {
    this.opts.beforePrompt();
    const { say, chalk } = this;
    say();
    say(chalk.cyan.bold(`No improvement in ${ctx.idle} iterations (iteration ${ctx.iteration}).`));
    return this.guard(
      async () => {
        const choice = await (await prompts()).select(
          {
            message: 'What next?',
            choices: [
              { name: 'Continue', value: 'continue' },
              { name: `Change the objectives (now: ${ctx.objectives.join(', ')})`, value: 'objectives' },
              { name: 'Stop', value: 'stop' },
            ],
          },
          this.context,
        );
        if (choice === 'objectives') {
          const all = ['makespan', 'cost', 'risk', 'steps'] as const;
          const first = await (await prompts()).select(
            { message: 'Most important objective:', choices: all.map((o) => ({ name: `${o}: ${OBJECTIVE_MEANING[o]}`, value: o })) },
            this.context,
          );
          return { kind: 'objectives', objectives: [first, ...ctx.objectives.filter((o) => o !== first)] };
        }
        return { kind: choice as 'continue' | 'stop' };
      },
      { kind: 'stop' } as PatienceDecision,
    );
  }
}

/** The champion, what improved since the last checkpoint, convergence and the best alternatives, in a few lines. */
function championLines(ctx: CheckpointContext, chalk: ChalkInstance): string[] {
  const lines: string[] = [];
  const o = ctx.objectives;
  const rejected = ctx.session.rejectedChampion;
  if (!ctx.champion && rejected)
    return [chalk.yellow(`No plan stands: you rejected the champion at iteration ${rejected.iteration}, and no other valid plan has been proposed since.`)];
  if (!ctx.champion) return [chalk.yellow('No valid plan yet.')];
  lines.push(`${chalk.bold('Best plan so far')} (iteration ${ctx.champion.iteration}): ${formatScore(ctx.champion.score, o)}`);
  if (ctx.session.converged) lines.push(chalk.green(`Converged: ${safeText(ctx.session.converged.reason, true)}`));
  const fork = ctx.session.forkPoint;
  const since = fork !== undefined && ctx.since === fork ? `since the fork (after iteration ${fork})` : 'since the last checkpoint';
  if (ctx.improvements.length === 0) lines.push(chalk.dim(`No improvement ${since}.`));
  // describeChange marks a better score with ▲ itself; the first valid plan has nothing to be better than.
  for (const c of ctx.improvements)
    lines.push(`iteration ${c.iteration}: ${c.before ? describeChange(c.before, c.after, o) : `first valid plan, ${describeChange(null, c.after, o)}`}`);
  if (ctx.alternatives.length)
    lines.push(`${ALTERNATIVES}: ${ctx.alternatives.map((a) => `iteration ${a.iteration} (${formatScore(a.score, o)})`).join('; ')}`);
  return lines;
}
