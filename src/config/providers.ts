// The provider presets: where each kind of OpenAI-compatible server listens by default, its key variable and model.

export interface ProviderPreset {
  baseUrl: string | null;
  /** Environment variable holding the key, after JUPITER_API_KEY. */
  keyVariable: string | null;
  /** Whether a key is required (local servers accept any). */
  keyRequired: boolean;
  defaultModel: string | null;
}

export const PROVIDERS: Record<string, ProviderPreset> = {
  builtin: { baseUrl: null, keyVariable: null, keyRequired: false, defaultModel: null },
  openai: { baseUrl: 'https://api.openai.com/v1', keyVariable: 'OPENAI_API_KEY', keyRequired: true, defaultModel: 'gpt-4o-mini' },
  fireworks: {
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyVariable: 'FIREWORKS_API_KEY',
    keyRequired: true,
    defaultModel: 'accounts/fireworks/models/llama-v3p1-70b-instruct',
  },
  vllm: { baseUrl: 'http://localhost:8000/v1', keyVariable: 'VLLM_API_KEY', keyRequired: false, defaultModel: 'meta-llama/Llama-3.1-70B-Instruct' },
  ollama: { baseUrl: 'http://localhost:11434/v1', keyVariable: 'OLLAMA_API_KEY', keyRequired: false, defaultModel: 'llama3.1' },
  lmstudio: { baseUrl: 'http://localhost:1234/v1', keyVariable: 'LMSTUDIO_API_KEY', keyRequired: false, defaultModel: 'local-model' },
  llamacpp: { baseUrl: 'http://localhost:8080/v1', keyVariable: 'LLAMACPP_API_KEY', keyRequired: false, defaultModel: 'default' },
  custom: { baseUrl: null, keyVariable: null, keyRequired: false, defaultModel: null },
};

/** The preset of `name`: own keys only, so "constructor" or "__proto__" never pass for a provider. */
export function presetOf(name: string): ProviderPreset | undefined {
  return Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name] : undefined;
}
