// Token counts: exact for OpenAI models (gpt-tokenizer) and Llama 3 (llama3-tokenizer-js), chosen by model name and
// loaded only on the model path; an estimate for every other model, which says it is one.

const PIECE = /[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]/g;

/** Estimated tokens of `text` (within ~10% of BPE tokenizers on English and kebab-case identifiers). */
export function countTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PIECE)) {
    const p = m[0];
    // Common English words are one token; long words and identifiers split every ~6 letters.
    n += /[A-Za-z]/.test(p[0]!) ? Math.max(1, Math.ceil(p.length / 6)) : 1;
  }
  return n;
}

/** Counts tokens of text for one model. */
export interface TokenCounter {
  count(text: string): number;
  /** True when this is the model's own tokenizer; false for the estimate. */
  exact: boolean;
  /** `o200k_base`, `cl100k_base`, `llama3`, or `estimate`. */
  name: 'o200k_base' | 'cl100k_base' | 'llama3' | 'estimate';
}

export const ESTIMATE: TokenCounter = { count: countTokens, exact: false, name: 'estimate' };

/** The tokenizer a model name implies, or null for a model jupiter has no tokenizer for. */
export function tokenizerFor(model: string): Exclude<TokenCounter['name'], 'estimate'> | null {
  // Hosting prefixes (accounts/fireworks/models/, meta-llama/) say nothing about the tokenizer.
  const id = model.toLowerCase().split('/').pop() ?? '';
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)/.test(id)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5)/.test(id)) return 'cl100k_base';
  // Llama 3, 3.1, 3.2 and 3.3 share one tokenizer (Llama 2 and 4 do not).
  if (/llama-?3|llama-v3|meta-llama-3/.test(id)) return 'llama3';
  return null;
}

/** The model's own tokenizer when jupiter has it (imported here, on first use), else the estimate. */
export async function loadTokenCounter(model: string): Promise<TokenCounter> {
  const name = tokenizerFor(model);
  try {
    if (name === 'o200k_base') {
      const { countTokens: count } = await import('gpt-tokenizer/encoding/o200k_base');
      return { count: (t) => count(t), exact: true, name };
    }
    if (name === 'cl100k_base') {
      const { countTokens: count } = await import('gpt-tokenizer/encoding/cl100k_base');
      return { count: (t) => count(t), exact: true, name };
    }
    if (name === 'llama3') {
      const { default: llama } = await import('llama3-tokenizer-js');
      return { count: (t) => llama.encode(t, { bos: false, eos: false }).length, exact: true, name };
    }
  } catch {
    // A tokenizer that fails to load costs exactness, never the run.
  }
  return ESTIMATE;
}
