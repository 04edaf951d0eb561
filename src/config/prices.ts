// Prices in USD per million tokens: jupiter's documented examples, the config file's `prices:`, and the lookup that
// says when a model's price is unknown.
import { createRequire } from 'node:module';
import { InputError } from '../core/errors.js';

export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}

/** Documented example prices (USD per 1M tokens); override per model in jupiter.config.yaml `prices:`. */
export const DEFAULT_PRICES: Record<string, Price> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'accounts/fireworks/models/llama-v3p1-70b-instruct': { input: 0.9, output: 0.9 },
  'accounts/fireworks/models/llama-v3p1-8b-instruct': { input: 0.2, output: 0.2 },
};

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

/** One price from the file: numeric input and output, an optional cachedInput, none negative. */
function readPrice(raw: unknown, at: string, where: { file: string; line: number | undefined }): Price {
  const price = raw as Record<string, unknown> | null;
  const input = Number(price?.input);
  const output = Number(price?.output);
  if (!Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0)
    throw new InputError(`${at} needs numeric input and output (USD per 1M tokens)`, where);
  const cached = price?.cachedInput === undefined ? undefined : Number(price.cachedInput);
  if (cached !== undefined && !(Number.isFinite(cached) && cached >= 0)) throw new InputError(`${at}.cachedInput must be a number (USD per 1M tokens)`, where);
  return cached === undefined ? { input, output } : { input, output, cachedInput: cached };
}

/**
 * The documented prices with the config file's `prices:` over them: `{ input, output }` prices the configured model,
 * otherwise each key is a model id.
 */
export function pricesFrom(raw: unknown, model: string | undefined, where: { file: string; line: number | undefined }): Record<string, Price> {
  const prices: Record<string, Price> = { ...DEFAULT_PRICES };
  if (raw === undefined) return prices;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError(
      'prices must be { input, output } for the configured model, or map model ids to { input, output, cachedInput } (USD per 1M tokens)',
      where,
    );
  const entries = raw as Record<string, unknown>;
  const flat = 'input' in entries || 'output' in entries;
  if (flat && !model) throw new InputError('prices: { input, output } needs a model (--model, JUPITER_MODEL or model:)', where);
  for (const [m, p] of flat ? [[model!, entries] as const] : Object.entries(entries)) prices[m] = readPrice(p, flat ? 'prices' : `prices.${m}`, where);
  return prices;
}
