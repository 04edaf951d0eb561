// Renders engine events: an ora spinner and coloured lines on a terminal, plain lines otherwise, NDJSON with --json.
import chalk from 'chalk';
import ora, { type Ora } from 'ora';
import type { EngineEvent } from '../engine/types.js';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';
import { progressLine, usageLine } from './format.js';

const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

export interface Renderer {
  (event: EngineEvent): void;
  /** Stops the spinner before a prompt takes the terminal. */
  pause(): void;
}

export function jsonRenderer(write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Renderer {
  const r = ((event: EngineEvent) => write(redactSecrets(JSON.stringify({ time: new Date().toISOString(), ...event })))) as Renderer;
  r.pause = () => undefined;
  return r;
}

export function humanRenderer(opts: { tty: boolean; plannerLabel: string }): Renderer {
  const spinner: Ora | null = opts.tty ? ora({ discardStdin: false, hideCursor: false }) : null;
  let total = 0;
  let context = '';
  let usage = '';
  /** Some answer came with tokens but no price: totals say "cost unknown", not $0. */
  let costUnknown = false;
  const line = (text: string) => {
    if (spinner?.isSpinning) spinner.stop();
    process.stdout.write(redactSecrets(text) + '\n');
  };
  const status = (iteration: number, text: string) => {
    if (spinner) {
      spinner.text = `Iteration ${iteration}/${total} · ${text}`;
      if (!spinner.isSpinning) spinner.start();
    }
  };
  const r = ((e: EngineEvent) => {
    switch (e.type) {
      case 'session-started':
        total = e.iterations;
        line(`${chalk.bold('jupiter')} · ${safeText(e.goalText, true)} → ${e.procedure}/${e.goalId}`);
        line(chalk.dim(`session ${e.session} · planner: ${opts.plannerLabel} · ${e.iterations} iterations · ${e.checkpoint ? `checkpoint every ${e.checkpoint}` : 'no checkpoints'}${e.resumedFrom ? ` · resuming after iteration ${e.resumedFrom}` : ''}`));
        break;
      case 'iteration-started':
        usage = '';
        status(e.iteration, 'recalling…');
        break;
      case 'recalled':
        context = `context ${k(e.tokens)}/${k(e.budget)} tokens · ${e.items} of ${e.total} items`;
        status(e.iteration, `proposing… · ${context}`);
        break;
      case 'planner-progress':
        status(e.iteration, `proposing… ${e.tokens} tokens`);
        break;
      case 'retry':
        if (!spinner) line(chalk.yellow(`  ↻ iteration ${e.iteration}: ${safeText(e.reason, true)}; retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s`));
        else status(e.iteration, `${safeText(e.reason, true)}; retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s`);
        break;
      case 'plan-proposed':
        // No price known for the model (the planner leaves costUsd out): say so rather than print $0.
        if (e.usage && e.costUsd === undefined) costUnknown = true;
        if (e.usage) usage = ` · ${e.usage.promptTokens + e.usage.completionTokens} tokens · ${e.costUsd !== undefined ? `$${e.costUsd.toFixed(4)}` : 'cost unknown'}`;
        status(e.iteration, 'validating…');
        break;
      case 'iteration-finished': {
        const tail = chalk.dim(` · ${context}${usage}`);
        if (e.outcome === 'improved' || e.outcome === 'alternative' || e.outcome === 'worse' || e.outcome === 'repeat') line(`${chalk.green('✔')} Iteration ${e.iteration}: approved (valid)${tail}`);
        else if (e.outcome === 'failed') line(`${chalk.red('✖')} Iteration ${e.iteration}: failed validation · ${e.errors} error${e.errors === 1 ? '' : 's'}${tail}`);
        else line(`${chalk.red('✖')} Iteration ${e.iteration}: ${e.outcome}${tail}`);
        break;
      }
      case 'paused':
        line(chalk.yellow(`⏸ Iteration ${e.iteration} needs a person: ${safeText(e.message, true)}`));
        break;
      case 'checkpoint':
        // An awaited checkpoint is shown in full by the prompt that follows.
        if (e.awaited) break;
        line(chalk.cyan(`◆ Checkpoint after iteration ${e.iteration}: ${progressLine(e.progress)}${usageLine({ ...e.usage, costUnknown }) ? ` · ${usageLine({ ...e.usage, costUnknown })}` : ''}${e.awaited ? '' : ' (unattended: recorded, continuing)'}`));
        break;
      case 'decision':
        line(chalk.dim(`  decision: ${e.decision}${e.reason ? ` — "${safeText(e.reason, true)}"` : ''}`));
        break;
      case 'warning':
        line(chalk.yellow(`! ${safeText(e.message, true)}`));
        break;
      case 'finished':
        line(`${e.status === 'completed' ? chalk.green('Done.') : chalk.yellow(`Session ${e.status}.`)} ${progressLine(e.progress)}${usageLine({ ...e.usage, costUnknown }) ? ` · ${usageLine({ ...e.usage, costUnknown })}` : ''}`);
        break;
      default:
        break;
    }
  }) as Renderer;
  r.pause = () => {
    if (spinner?.isSpinning) spinner.stop();
  };
  return r;
}
