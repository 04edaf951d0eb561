// Draws the learning summary for a terminal: the champion's score over iterations, success, first-try validity,
// repairs and failures per window, insights with their votes, context size over time.
import type { ChalkInstance } from 'chalk';
import type { ChampionTrack, LearningDetail, LearningSummary, ResolvedGoal, SummaryWindow } from '../state/summary.js';
import { formatScore } from '../procedures/quality.js';
import { safeText } from '../core/text.js';
import { plural, progressLine, span } from './format.js';

const BAR = 30;
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
const bar = (fraction: number, width: number) => '█'.repeat(Math.round(fraction * width)).padEnd(width, '·');
/**
 * A chart's bar width: 30, narrower on a terminal too narrow for a row's label (15 columns), bar and `core` text (the
 * value each row must show) on one line; never under 10. Longer details after the value may wrap.
 */
const barWidth = (columns: number, core: number) => Math.max(10, Math.min(BAR, columns - 16 - core));
const n = (x: number) => x.toLocaleString('en-US');

const t = (x: string) => safeText(x, true);

function windowLine(w: SummaryWindow, chalk: ChalkInstance, width: number): string {
  const head = `  ${span(w.from, w.to).padStart(11)} ${chalk.green(bar(w.rate, width))} ${pct(w.rate).padStart(4)} (${w.valid}/${w.total})`;
  if (w.firstTry === undefined) return head;
  const fails = Object.entries(w.failures ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const failText = fails.length
    ? ` · failed on ${fails
        .slice(0, 3)
        .map(([r, c]) => `${t(r)} ×${c}`)
        .join(', ')}${fails.length > 3 ? ', …' : ''}`
    : '';
  const repairs = w.repairs ? ` · ${plural(w.repairs, 'repair')}, ${w.repaired} fixed` : '';
  return `${head} · first try ${w.firstTry}${repairs}${failText}`;
}

/** `goal "deploy" → production-deployment/deploy-service ("Deploy the orchestrator")`: what the words matched. */
function goalScope(asTyped: string, resolved: ResolvedGoal[]): string {
  if (resolved.length === 1 && resolved[0]!.goal === asTyped) return `goal ${t(asTyped)}`;
  const goals = resolved.map(
    (g) =>
      `${t(g.goal)}${
        g.typed.length
          ? ` (${g.typed
              .slice(0, 3)
              .map((x) => `"${t(x)}"`)
              .join(', ')}${g.typed.length > 3 ? ', …' : ''})`
          : ''
      }`,
  );
  return `goal "${t(asTyped)}" → ${goals.join('; ')}`;
}

/** The insights with the most net support, as a table whose columns are the ones its header names. */
function insightLines(insights: LearningSummary['topInsights'], chalk: ChalkInstance): string[] {
  const head = chalk.bold('Top insights (for: confirmations · against: refutations · human: approvals)');
  if (!insights.length) return [head, chalk.dim('  none yet')];
  const out = [head, chalk.dim('  for against human  insight')];
  for (const i of insights)
    out.push(
      `  ${String(i.count).padStart(3)} ${(i.against ? chalk.red : (x: string) => x)(String(i.against).padStart(7))} ${String(i.human).padStart(5)}  ${t(i.text)} ${chalk.dim(`(${t(i.scope)})`)}`,
    );
  return out;
}

function championLines(c: ChampionTrack, chalk: ChalkInstance, columns: number): string[] {
  const out = [chalk.bold(`Champion score over iterations: ${t(c.scope)}`) + chalk.dim(` (${c.objectives.join(', ') || 'no score'}; lower is better)`)];
  const first = c.objectives[0];
  if (first && c.points.length) {
    const scored = c.points.flatMap((p) => (p.score ? [p.score] : []));
    const max = Math.max(...scored.map((x) => x[first]), 1e-9);
    const width = barWidth(columns, Math.max(...scored.map((x) => formatScore(x, c.objectives).length)));
    for (const p of c.points) {
      const value = p.score ? `${chalk.yellow(bar(p.score[first] / max, width))} ${formatScore(p.score, c.objectives)}` : `${bar(0, width)} no plan stands`;
      out.push(`  ${span(p.from, p.to).padStart(11)} ${value}${p.rejected ? chalk.red(' ✖ the champion before was rejected') : ''}`);
    }
  }
  const last = c.last
    ? ` · the last at iteration ${c.last.iteration} of ${t(c.last.session)}${c.last.since ? `, ${plural(c.last.since, 'iteration')} ago` : ', the latest iteration'}`
    : '';
  out.push(`  ${plural(c.improvements, 'improvement')} of the goal's best plan${last}`);
  return out;
}

/** The model's claims that its plan was optimal: how many held, were refuted or stayed unchecked, and the last few. */
function claimLines(claims: LearningDetail['claims']): string[] {
  if (!claims.length) return [];
  const count = (v: string) => claims.filter((c) => c.verdict === v).length;
  const head = `Claims of an optimal plan checked: ${n(claims.length)} · hold ${n(count('holds'))} · refuted ${n(count('refuted'))} · unchecked ${n(count('unchecked'))}`;
  return [head, ...claims.slice(-3).map((c) => `  iteration ${c.iteration} of ${t(c.session)}: ${t(c.text)}`)];
}

/** The counts: iterations, learning, reviews, model usage. */
function countLines(s: LearningSummary, chalk: ChalkInstance): string[] {
  const out: string[] = [chalk.bold('Learning summary')];
  const scope = [s.filter.session ? `session ${t(s.filter.session)}` : '', s.filter.goal ? goalScope(s.filter.goal, s.filter.resolved ?? []) : '']
    .filter(Boolean)
    .join(' · ');
  if (scope) out.push(chalk.dim(`Scope: ${scope}`));
  const b = s.filter.branch;
  if (b)
    out.push(
      b.forkPoint
        ? `Forked from ${t(b.parent)} at iteration ${b.forkPoint}: ${b.forkPoint > 1 ? `iterations ${span(1, b.forkPoint)} below are` : 'iteration 1 below is'} ${t(b.parent)}'s, the rest this fork's.`
        : `Forked from ${t(b.parent)} at iteration 0 (before its first): every iteration below is this fork's.`,
    );
  // The fork's own, as its run counted them (the counts below are its line's).
  if (b?.own)
    out.push(
      `This fork's own ${b.own.progress.completed ? `${b.own.progress.completed === 1 ? 'iteration' : 'iterations'} ${span(b.forkPoint + 1, b.forkPoint + b.own.progress.completed)}` : 'iterations: none yet'}: ${progressLine(b.own.progress)}`,
    );
  out.push('');
  out.push(
    `Iterations ${n(s.iterations)} in ${plural(s.sessions, 'session')} · approved ${n(s.approved)} · worse ${n(s.worse)} · repeats ${n(s.repeats)}${s.rejectedBefore ? ` · rejected before ${n(s.rejectedBefore)}` : ''} · failed ${n(s.failed)} · errors ${n(s.errors)} · success ${pct(s.successRate)}`,
  );
  const l = s.learning;
  if (l) {
    out.push(
      `Improvements ${n(l.improvements)} (strict) · first-try valid ${n(l.firstTryValid)} · repairs ${n(l.repairs)} · distinct plans ${n(l.distinctPlans)}`,
    );
    if (l.refutedInsights) out.push(`Insights refuted by the validator (discarded): ${n(l.refutedInsights)}`);
    for (const c of l.converged) out.push(chalk.green(`Converged at iteration ${c.iteration} of ${t(c.session)}: ${t(c.reason)}`));
    out.push(...claimLines(l.claims));
  } else
    out.push(
      chalk.dim(
        `The champion chart, first-try validity, repairs and failures by rule read every record: see them with --goal <goal> or --session <id> (${n(s.iterations)} iterations in memory).`,
      ),
    );
  out.push(`Human reviews: ${plural(s.humanApprovals, 'approval')} · ${plural(s.rejections, 'rejection')} · ${plural(s.overrides, 'override')}`);
  if (s.usage.promptTokens || s.usage.completionTokens) {
    out.push(
      `Model usage: ${n(s.usage.promptTokens)} prompt + ${n(s.usage.completionTokens)} completion tokens (${n(s.usage.cachedTokens)} cached) · ${s.usage.costUnknown ? 'cost unknown (no price for the model)' : `$${s.usage.costUsd.toFixed(4)}`}`,
    );
  }
  if (s.tokenEstimate)
    out.push(
      chalk.dim(
        `Prompt size: the server counted ${s.tokenEstimate.medianRatio.toFixed(2)}× the tokens jupiter estimated (median of ${plural(s.tokenEstimate.samples, 'prompt')}): for this model the context budget is an estimate`,
      ),
    );
  return out;
}

/** The charts: champions, windows of iterations, prompt context. */
function chartLines(s: LearningSummary, chalk: ChalkInstance, columns: number): string[] {
  const out: string[] = [];
  const l = s.learning;
  for (const c of l?.champions.slice(0, 3) ?? []) out.push('', ...championLines(c, chalk, columns));
  if (s.windows.length) {
    out.push(
      '',
      chalk.bold(l ? `Per ${s.window} iterations: success, first-try validity, repairs, failures by rule` : `Success rate per ${s.window} iterations`),
    );
    const width = barWidth(columns, Math.max(...s.windows.map((w) => `${pct(w.rate).padStart(4)} (${w.valid}/${w.total})`.length)));
    for (const w of s.windows) out.push(windowLine(w, chalk, width));
  }
  if (s.context.length) {
    const max = Math.max(1, ...s.context.map((c) => Math.max(c.tokens, c.budget)));
    out.push('', chalk.bold('Prompt context over iterations (recalled memory tokens of budget)'));
    const width = barWidth(columns, Math.max(...s.context.map((c) => `${n(c.tokens)}/${n(c.budget)}`.length)));
    for (const c of s.context)
      out.push(
        `  ${span(c.from, c.to).padStart(11)} ${chalk.cyan(bar(c.tokens / max, width))} ${n(c.tokens)}/${n(c.budget)}${c.promptChars ? chalk.dim(` · prompt ${n(c.promptChars)} chars`) : ''}`,
      );
  }
  return out;
}

/** What memory holds: best plans, insights, lessons, feedback, its size. */
function memoryLines(s: LearningSummary, chalk: ChalkInstance): string[] {
  const out: string[] = [];
  out.push('', chalk.bold('Best plan per goal'));
  if (!s.exemplars.length) out.push(chalk.dim('  none yet'));
  for (const e of s.exemplars) {
    const breaks = e.breaks?.length ? chalk.red(` ✖ breaks a human rule now in force: ${e.breaks.map(t).join('; ')}`) : '';
    out.push(`  ×${e.count}${e.human ? chalk.magenta(` human ×${e.human}`) : ''} ${t(e.text)} ${chalk.dim(`(${t(e.scope)})`)}${breaks}`);
  }
  out.push('', ...insightLines(s.topInsights, chalk));
  out.push('', chalk.bold('Latest lessons'));
  if (!s.latestLessons.length) out.push(chalk.dim('  none yet'));
  for (const l of s.latestLessons) out.push(`  ×${l.count} ${t(l.text)} ${chalk.dim(`(${t(l.scope)})`)}`);
  out.push('', chalk.bold('Latest human feedback'));
  if (!s.latestFeedback.length) out.push(chalk.dim('  none yet'));
  for (const l of s.latestFeedback) out.push(`  ×${l.count} ${t(l.text)} ${chalk.dim(`(${t(l.scope)})`)}`);
  out.push(
    '',
    `Memory: ${plural(s.memory.items, 'item')} (${plural(s.memory.patterns, 'pattern')}, ${plural(s.memory.lessons, 'lesson')}, ${s.memory.feedback} feedback) · ${(s.memory.bytes / 1024).toFixed(1)} KiB in ${plural(s.memory.files, 'file')} · ${n(s.memory.planFiles)} plan file${s.memory.planFiles === 1 ? '' : 's'}`,
  );
  return out;
}

/** `columns`: the terminal's width (Infinity when not a terminal): the charts' bars narrow to keep a row on one line. */
export function summaryLines(s: LearningSummary, chalk: ChalkInstance, columns = Number.POSITIVE_INFINITY): string[] {
  return [...countLines(s, chalk), ...chartLines(s, chalk, columns), ...memoryLines(s, chalk)];
}
