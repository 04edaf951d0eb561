// Picks the planner for a resolved config; the OpenAI SDK is loaded only when a model is actually called.
import type { ResolvedConfig } from '../config.js';
import { PROVIDERS } from '../config.js';
import { UsageError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import { WorkerPlanner } from './worker.js';
import type { Planner } from './types.js';

/** Throws a usage error when the provider needs a key and none is set. */
export function requireKey(config: ResolvedConfig): void {
  const preset = PROVIDERS[config.provider];
  if (preset?.keyRequired && !config.apiKey) {
    throw new UsageError(`--provider ${config.provider} needs an API key: set JUPITER_API_KEY or ${preset.keyVariable ?? 'JUPITER_API_KEY'}`);
  }
}

export async function createPlanner(config: ResolvedConfig, opts: { modeCachePath?: string } = {}): Promise<Planner> {
  // In a worker thread: a long search must never block Ctrl-C (the main thread answers signals meanwhile).
  if (config.provider === 'builtin') return new WorkerPlanner();
  requireKey(config);
  if (!config.baseUrl || !config.model) throw new UsageError(`--provider ${config.provider} needs --base-url and --model`);
  const { default: OpenAI } = await import('openai');
  const { OpenAIPlanner } = await import('./openai.js');
  const client = new OpenAI({ apiKey: config.apiKey ?? 'not-needed', baseURL: config.baseUrl, maxRetries: 0, timeout: config.timeoutMs });
  return new OpenAIPlanner({
    client,
    model: config.model,
    baseUrl: config.baseUrl,
    prices: config.prices,
    maxRetries: config.maxRetries,
    timeoutMs: config.timeoutMs,
    keyVariable: PROVIDERS[config.provider]?.keyVariable ?? config.apiKeyVariable ?? 'JUPITER_API_KEY',
    ...(opts.modeCachePath ? { modeCachePath: opts.modeCachePath } : {}),
    name: `${config.provider}:${config.model}`,
    backoffBaseMs: config.backoffMs,
  });
}

/** One line naming what will plan, e.g. `fireworks · accounts/... at https://...`. */
export function describePlanner(config: ResolvedConfig): string {
  if (config.provider === 'builtin') return 'built-in procedure planner (no endpoint configured)';
  return redactSecrets(`${config.provider} · ${config.model ?? '(no model)'} at ${config.baseUrl ?? '(no base URL)'}`);
}
