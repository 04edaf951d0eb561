// Token counts: exact for OpenAI models (gpt-tokenizer) and Llama 3 (llama3-tokenizer-js), chosen by model name and
// loaded only on the model path; an estimate for every other model, which says it is one.

/** JavaScript's `\s` (ECMAScript WhiteSpace and LineTerminator), by UTF-16 code unit. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Estimated tokens of `text` (within ~10% of BPE tokenizers on English and kebab-case identifiers). Pieces are runs
 * of ASCII letters, groups of up to three digits, and single other non-space characters. A scan, not a regex match
 * per piece: it runs over every prompt, and a match object per piece was ~1 MB of garbage per model call.
 */
export function countTokens(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; ) {
    const c = text.charCodeAt(i);
    if (isLetter(c)) {
      let j = i + 1;
      while (j < len && isLetter(text.charCodeAt(j))) j++;
      // Common English words are one token; long words and identifiers split every ~6 letters.
      n += Math.ceil((j - i) / 6);
      i = j;
    } else if (isDigit(c)) {
      let j = i + 1;
      while (j < len && isDigit(text.charCodeAt(j))) j++;
      n += Math.ceil((j - i) / 3);
      i = j;
    } else {
      if (!isSpace(c)) n++;
      i++;
    }
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
