// Turns token usage into US dollars from per-model prices (USD per 1M tokens), and says when no price is known.
import { createRequire } from 'node:module';
import type { Price } from '../config.js';
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

type ModelSpecs = Record<string, { price_data?: { main?: { input?: number; output?: number; cached_input?: number } } }>;

/** gpt-tokenizer's table of OpenAI models and their prices; read only when a price is looked up there. */
function openAiPrice(model: string): Price | undefined {
  try {
    const specs = createRequire(import.meta.url)('gpt-tokenizer/cjs/models') as ModelSpecs;
    const main = Object.hasOwn(specs, model) ? specs[model]?.price_data?.main : undefined;
    if (main?.input === undefined || main.output === undefined) return undefined;
    return main.cached_input === undefined
      ? { input: main.input, output: main.output }
      : { input: main.input, output: main.output, cachedInput: main.cached_input };
  } catch {
    return undefined;
  }
}

/**
 * The price of `model`: the configured prices first (the config file's, then jupiter's documented examples), then
 * gpt-tokenizer's OpenAI table; a dated OpenAI id (gpt-4o-mini-2024-07-18) falls back to its family's price.
 * Undefined: the cost of this model is unknown.
 */
export function priceFor(model: string | undefined, prices: Readonly<Record<string, Price>>): Price | undefined {
  if (!model) return undefined;
  const undated = model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  for (const id of new Set([model, undated])) {
    if (Object.hasOwn(prices, id)) return prices[id];
  }
  return openAiPrice(model) ?? openAiPrice(undated);
}

export function addUsage(total: Usage, more: Usage): Usage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    cachedTokens: total.cachedTokens + more.cachedTokens,
  };
}
