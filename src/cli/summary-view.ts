// Draws the learning summary for a terminal: numbers, a success-rate chart per window, context size over time.
import type { ChalkInstance } from 'chalk';
import type { LearningSummary } from '../memory/summary.js';
import { safeText } from '../core/text.js';

const BAR = 30;
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
const bar = (fraction: number) => '█'.repeat(Math.round(fraction * BAR)).padEnd(BAR, '·');
const n = (x: number) => x.toLocaleString('en-US');

export function summaryLines(s: LearningSummary, chalk: ChalkInstance): string[] {
  const out: string[] = [chalk.bold('Learning summary'), ''];
  out.push(`Iterations ${n(s.iterations)} in ${s.sessions} session(s) · approved ${n(s.approved)} · failed ${n(s.failed)} · errors ${n(s.errors)} · success ${pct(s.successRate)}`);
  out.push(`Human reviews: ${s.humanApprovals} approval(s) · ${s.rejections} rejection(s) · ${s.overrides} override(s)`);
  if (s.usage.promptTokens || s.usage.completionTokens) {
    out.push(`Model usage: ${n(s.usage.promptTokens)} prompt + ${n(s.usage.completionTokens)} completion tokens (${n(s.usage.cachedTokens)} cached) · $${s.usage.costUsd.toFixed(4)}`);
  }
  if (s.tokenEstimate) out.push(chalk.dim(`Token estimate check: the server counted ${s.tokenEstimate.medianRatio.toFixed(2)}× jupiter's estimate (median of ${s.tokenEstimate.samples} prompts; recall calibrates to it)`));
  if (s.windows.length) {
    out.push('', chalk.bold(`Success rate per ${s.window} iterations`));
    for (const w of s.windows) out.push(`  ${`${w.from}–${w.to}`.padStart(11)} ${chalk.green(bar(w.rate))} ${pct(w.rate).padStart(4)} (${w.approved}/${w.total})`);
  }
  if (s.context.length) {
    const max = Math.max(1, ...s.context.map((c) => Math.max(c.tokens, c.budget)));
    out.push('', chalk.bold('Prompt context over iterations (recalled memory tokens of budget)'));
    for (const c of s.context) out.push(`  ${`${c.from}–${c.to}`.padStart(11)} ${chalk.cyan(bar(c.tokens / max))} ${n(c.tokens)}/${n(c.budget)}${c.promptChars ? chalk.dim(` · prompt ${n(c.promptChars)} chars`) : ''}`);
  }
  out.push('', chalk.bold('Top patterns'));
  if (!s.topPatterns.length) out.push(chalk.dim('  none yet'));
  for (const p of s.topPatterns) out.push(`  ×${p.count}${p.human ? chalk.magenta(` human ×${p.human}`) : ''} ${safeText(p.text, true)} ${chalk.dim(`(${safeText(p.scope, true)})`)}`);
  out.push('', chalk.bold('Latest lessons'));
  if (!s.latestLessons.length) out.push(chalk.dim('  none yet'));
  for (const l of s.latestLessons) out.push(`  ×${l.count} ${safeText(l.text, true)} ${chalk.dim(`(${safeText(l.scope, true)})`)}`);
  out.push('', chalk.bold('Latest human feedback'));
  if (!s.latestFeedback.length) out.push(chalk.dim('  none yet'));
  for (const l of s.latestFeedback) out.push(`  ×${l.count} ${safeText(l.text, true)} ${chalk.dim(`(${safeText(l.scope, true)})`)}`);
  out.push('', `Memory: ${s.memory.items} items (${s.memory.patterns} patterns, ${s.memory.lessons} lessons, ${s.memory.feedback} feedback) · ${(s.memory.bytes / 1024).toFixed(1)} KiB in ${s.memory.files} files · ${n(s.memory.planFiles)} plan files`);
  return out;
}
