// One-line renderings of counts, durations, progress and usage, shared by the progress UI, the prompts and `sessions` (no heavy imports).
import type { Progress } from '../engine/types.js';

/** `1 iteration`, `2 iterations`; `plural(1, 'summary', 'summaries')` for irregular words. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** A span of iterations for chart labels: `7` for one iteration, `1–10` for more. */
export function span(from: number, to: number): string {
  return from === to ? String(from) : `${from}–${to}`;
}

/** `950ms`, `4.2s`, `3m 05s`, `2h 07m`: short enough for a status line. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const pad = (x: number) => String(x).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** A date and time for listings (local time, to the minute): `2025-03-04 14:07`. */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '????-??-?? ??:??';
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Iterations whose plan passed validation (approved, worse, a repeat, or one a person had rejected before). */
export function successRate(p: Progress): string {
  return p.completed ? `${Math.round((100 * (p.completed - p.failed - p.errors)) / p.completed)}%` : '–';
}

/** Approved counts the plans that took a place (champion or alternative); worse plans and repeats show apart when there are any. */
export function progressLine(p: Progress): string {
  const quiet = [
    p.worse ? `${p.worse} worse` : '',
    p.repeats ? `${plural(p.repeats, 'repeat')}` : '',
    p.rejectedBefore ? `${p.rejectedBefore} rejected before` : '',
  ]
    .filter(Boolean)
    .map((x) => ` · ${x}`)
    .join('');
  return `${p.completed} completed · ${p.approved} approved${quiet} · ${p.failed} failed · ${p.rejected} rejected · ${plural(p.errors, 'error')} · success ${successRate(p)}`;
}

/** Tokens and cost so far, when a model was used. */
export function usageLine(u: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number; costUnknown?: boolean }): string {
  if (!u.promptTokens && !u.completionTokens) return '';
  // A model with no known price: the total is unknown, not $0.
  return `${(u.promptTokens + u.completionTokens).toLocaleString('en-US')} tokens (${u.cachedTokens.toLocaleString('en-US')} cached) · ${u.costUnknown ? 'cost unknown' : `$${u.costUsd.toFixed(4)}`}`;
}

/**
 * What the checkpoint lists and the closing report counts as alternatives (one set, one name): the valid plans besides
 * the champion that still stand (the fallback should it be rejected), best first, former champions included.
 */
export const ALTERNATIVES = 'Alternatives standing (up to 3 other valid plans, former champions included)';
