// One-line renderings of progress and usage, shared by the progress UI, the prompts and `sessions` (no heavy imports).
import type { Progress } from '../engine/types.js';

export function successRate(p: Progress): string {
  return p.completed ? `${Math.round((100 * p.approved) / p.completed)}%` : '–';
}

export function progressLine(p: Progress): string {
  return `${p.completed} completed · ${p.approved} approved · ${p.failed} failed · ${p.rejected} rejected · ${p.errors} errors · success ${successRate(p)}`;
}

/** Tokens and cost so far, when a model was used. */
export function usageLine(u: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number; costUnknown?: boolean }): string {
  if (!u.promptTokens && !u.completionTokens) return '';
  // A model with no known price: the total is unknown, not $0.
  return `${(u.promptTokens + u.completionTokens).toLocaleString('en-US')} tokens (${u.cachedTokens.toLocaleString('en-US')} cached) · ${u.costUnknown ? 'cost unknown' : `$${u.costUsd.toFixed(4)}`}`;
}
