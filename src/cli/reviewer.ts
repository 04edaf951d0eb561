// The person at the keyboard: checkpoint and failure prompts with @inquirer/prompts (the engine's Reviewer).
import chalk from 'chalk';
import { confirm, input, select } from '@inquirer/prompts';
import { stringify } from 'yaml';
import type { CheckpointContext, CheckpointDecision, FailureContext, FailureDecision, FeedbackReading, PatienceContext, PatienceDecision, ReadingDecision, Reviewer } from '../engine/types.js';
import type { Plan } from '../core/plan.js';
import { safeText } from '../core/text.js';
import { progressLine, usageLine } from './format.js';
import { renderValidation } from './render-validation.js';
import { scheduleLines } from './schedule-view.js';
import type { PlanTarget } from '../procedures/types.js';

let sink: NodeJS.WritableStream = process.stdout;
const say = (line = ''): void => void sink.write(line + '\n');

function showPlan(plan: Plan | null, full: boolean, target?: PlanTarget): void {
  if (!plan) {
    say(chalk.dim('  (no plan yet)'));
    return;
  }
  say(`  ${chalk.bold(safeText(plan.title, true))} (${plan.steps.length} steps)`);
  if (full) {
    if (plan.summary) say(`  ${safeText(plan.summary, true)}`);
    for (const line of safeText(stringify(plan.steps)).split('\n')) say(`    ${line}`);
    // Start and end of every step, as the validator's schedule has them.
    if (target) for (const line of scheduleLines(plan, target)) say(`  ${line}`);
  } else {
    plan.steps.forEach((s, i) => say(`   ${String(i + 1).padStart(2)}. ${safeText(s.action, true)}${s.owner ? chalk.dim(` — ${safeText(s.owner, true)}`) : ''}`));
  }
}

async function askReason(context: { output: NodeJS.WritableStream }): Promise<string> {
  return (await input({ message: 'Reason (the next iteration must address it):', validate: (v) => (v.trim().length > 0 ? true : 'Please give a reason') }, context)).trim();
}

export interface PromptReviewerOptions {
  /** Lines of the learning summary, shown on request. */
  summary: () => Promise<string[]>;
  /** Called before a prompt takes the terminal (stop the spinner). */
  beforePrompt: () => void;
  /** Ctrl-C at a prompt interrupts the run (exit 130), like Ctrl-C anywhere else. */
  onInterrupt: () => void;
  /** The procedure and goal plans are checked against: the full plan view shows its schedule. */
  target?: PlanTarget;
  /** Where prompts and views go: stderr when stdout carries --json events. */
  output?: NodeJS.WritableStream;
}

export class PromptReviewer implements Reviewer {
  constructor(private readonly opts: PromptReviewerOptions) {
    if (opts.output) sink = opts.output;
  }

  private get context() {
    return { output: sink };
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
    say();
    say(chalk.cyan.bold(`Checkpoint · iteration ${ctx.iteration}/${ctx.session.settings.iterations}${ctx.final ? ' (final)' : ''}`));
    say(`  ${progressLine(ctx.session.progress)}`);
    if (usageLine(ctx.session.usage)) say(`  ${usageLine(ctx.session.usage)}`);
    showPlan(ctx.plan, false);
    if (ctx.validation) renderValidation(ctx.validation).forEach((l) => say(`  ${l}`));
    return this.guard(async () => {
      for (;;) {
        const choice = await select(
          {
          message: 'What next?',
          choices: [
            { name: ctx.final ? 'Finish' : 'Continue autonomously', value: 'continue' },
            { name: 'Approve the current plan and continue', value: 'approve' },
            { name: 'Review the full plan', value: 'review' },
            { name: 'Reject with a reason', value: 'reject' },
            { name: 'View the learning summary', value: 'summary' },
            { name: 'Stop', value: 'stop' },
          ],
          },
          this.context,
        );
        if (choice === 'review') showPlan(ctx.plan, true, this.opts.target);
        else if (choice === 'summary') (await this.opts.summary()).forEach((l) => say(l));
        else if (choice === 'reject') return { kind: 'reject', reason: await askReason(this.context) };
        else return { kind: choice as 'continue' | 'approve' | 'stop' };
      }
    }, { kind: 'stop' } as CheckpointDecision);
  }

  async failure(ctx: FailureContext): Promise<FailureDecision> {
    this.opts.beforePrompt();
    say();
    say(chalk.yellow.bold(`Paused · iteration ${ctx.iteration}: ${ctx.error ? `the planner failed: ${safeText(ctx.error, true)}` : 'the plan failed validation'}`));
    if (!ctx.error && ctx.validation) {
      showPlan(ctx.plan, false);
      renderValidation(ctx.validation).forEach((l) => say(`  ${l}`));
    }
    return this.guard(async () => {
      for (;;) {
        const choices = [
          { name: 'Reject with a reason (feedback, then regenerate)', value: 'reject' },
          { name: 'Retry', value: 'retry' },
          ...(ctx.error ? [] : [{ name: 'Approve anyway (logged as a human override)', value: 'approve' }, { name: 'Review the full plan', value: 'review' }]),
          { name: 'Stop', value: 'stop' },
        ];
        const choice = await select({ message: 'What next?', choices }, this.context);
        if (choice === 'review') showPlan(ctx.plan, true, this.opts.target);
        else if (choice === 'reject') return { kind: 'reject', reason: await askReason(this.context) };
        else if (choice === 'approve') {
          // An override is a person's call against the validator: it needs a reason and a second yes.
          const reason = (await input({ message: 'Why accept a plan that fails validation? (logged with the override)', validate: (v) => (v.trim() ? true : 'Please give a reason') }, this.context)).trim();
          const errors = ctx.validation?.findings.filter((f) => f.severity === 'error').length ?? 0;
          if (await confirm({ message: `Accept this plan despite ${errors} error${errors === 1 ? '' : 's'}? It is logged as an override and never learned from.`, default: false }, this.context)) return { kind: 'override', reason };
        } else return { kind: choice as 'retry' | 'stop' };
      }
    }, { kind: 'stop' } as FailureDecision);
  }

  async confirmReading(reading: FeedbackReading): Promise<ReadingDecision> {
    this.opts.beforePrompt();
    if (reading.constraints.length === 0) {
      say(chalk.yellow(`  I could not read "${safeText(reading.text, true)}" as a rule the validator can check: it is kept as a note for the planner (unchecked).`));
      return { kind: 'note' };
    }
    say(`  I read this as:`);
    for (const l of reading.lines) say(`   • ${safeText(l, true)}`);
    return this.guard(async () => {
      const choice = await select(
        {
          message: 'Enforce it?',
          choices: [
            { name: 'Yes, for every session on this goal', value: 'goal' },
            { name: 'Yes, for this session only', value: 'session' },
            { name: 'Edit the wording and read it again', value: 'edit' },
            { name: 'Keep it as a note (not checked)', value: 'note' },
          ],
        },
        this.context,
      );
      if (choice === 'edit') return { kind: 'edit', text: (await input({ message: 'Reworded feedback:', default: reading.text, validate: (v) => (v.trim() ? true : 'Please give the feedback') }, this.context)).trim() };
      if (choice === 'note') return { kind: 'note' };
      return { kind: 'accept', scope: choice as 'goal' | 'session' };
    }, { kind: 'note' } as ReadingDecision);
  }

  async patience(ctx: PatienceContext): Promise<PatienceDecision> {
    this.opts.beforePrompt();
    say();
    say(chalk.cyan.bold(`No improvement in ${ctx.idle} iterations (iteration ${ctx.iteration}).`));
    return this.guard(async () => {
      const choice = await select(
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
        const first = await select({ message: 'Most important objective:', choices: all.map((o) => ({ name: o, value: o })) }, this.context);
        return { kind: 'objectives', objectives: [first, ...ctx.objectives.filter((o) => o !== first)] };
      }
      return { kind: choice as 'continue' | 'stop' };
    }, { kind: 'stop' } as PatienceDecision);
  }
}
