// Renders validation findings for people (colour when the terminal supports it).
import type { ChalkInstance } from 'chalk';
import type { Finding, ValidationResult } from '../core/plan.js';
import { countFindings } from '../procedures/validate.js';
import { safeText } from '../core/text.js';

function findingLine(f: Finding, chalk: ChalkInstance): string[] {
  const mark = f.severity === 'error' ? chalk.red('error  ') : chalk.yellow('warning');
  const where = f.step ? `step ${f.step}`.padEnd(8) : 'plan'.padEnd(8);
  // The step has its column: a message that opens with it again ("step 5: …") is shown without it.
  const message = f.step && f.message.startsWith(`step ${f.step}: `) ? f.message.slice(`step ${f.step}: `.length) : f.message;
  const lines = [`  ${mark} ${where} ${chalk.bold(f.rule)}: ${safeText(message, true)}`];
  if (f.fix) lines.push(`          ${' '.repeat(8)} ${chalk.dim('fix:')} ${safeText(f.fix, true)}`);
  return lines;
}

function verdictLine(v: ValidationResult, chalk: ChalkInstance): string {
  const { errors, warnings } = countFindings(v);
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  return v.valid
    ? `${chalk.green('✔ valid')} (${counts}) against ${v.procedure}/${v.goal}`
    : `${chalk.red('✖ invalid')}: ${counts} against ${v.procedure}/${v.goal}`;
}

/** VAL's "Plan failed to execute": says which checks never ran, so no reader takes silence for a pass. */
function stoppedLine(v: ValidationResult, chalk: ChalkInstance): string[] {
  if (v.stoppedAt === undefined) return [];
  return [chalk.dim(`  plan failed to execute at step ${v.stoppedAt}: later steps' preconditions and the goal were not checked`)];
}

export function renderValidation(v: ValidationResult, chalk: ChalkInstance): string[] {
  return [verdictLine(v, chalk), ...v.findings.flatMap((f) => findingLine(f, chalk)), ...stoppedLine(v, chalk)];
}
