// Turns token usage into US dollars from per-model prices (USD per 1M tokens), and says when no price is known.
import type { Price } from '../config/prices.js';
import type { Usage } from '../core/usage.js';

export interface Cost {
  costUsd: number;
  /** False when no price is known for the model: the cost is unknown (shown as such, never as $0). */
  priced: boolean;
}

/** Cached prompt tokens are part of `promptTokens`; they are charged at `cachedInput` when given. */
export function costOf(usage: Usage, price: Price | undefined): Cost {
  if (!price) return { costUsd: 0, priced: false };
  const cached = Math.min(Math.max(usage.cachedTokens, 0), usage.promptTokens);
  const fresh = usage.promptTokens - cached;
  const micro = fresh * price.input + cached * (price.cachedInput ?? price.input) + usage.completionTokens * price.output;
  return { costUsd: micro / 1_000_000, priced: true };
}

export function addUsage(total: Usage, more: Usage): Usage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    cachedTokens: total.cachedTokens + more.cachedTokens,
  };
}
