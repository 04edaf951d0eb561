// One-line renderings of progress and usage, shared by the progress UI, the prompts and `sessions` (no heavy imports).
import type { Progress } from '../engine/types.js';

export function successRate(p: Progress): string {
  return p.completed ? `${Math.round((100 * p.approved) / p.completed)}%` : '–';
}

export function progressLine(p: Progress): string {
  return `${p.completed} completed · ${p.approved} approved · ${p.failed} failed · ${p.rejected} rejected · ${p.errors} errors · success ${successRate(p)}`;
}

/** Tokens and cost so far, when a model was used. */
export function usageLine(u: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number }): string {
  if (!u.promptTokens && !u.completionTokens) return '';
  return `${(u.promptTokens + u.completionTokens).toLocaleString('en-US')} tokens (${u.cachedTokens.toLocaleString('en-US')} cached) · $${u.costUsd.toFixed(4)}`;
}
