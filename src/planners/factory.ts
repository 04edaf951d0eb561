// Picks the planner for a resolved config; each planner's modules (the OpenAI SDK, the built-in search and its worker)
// are loaded only on the path that uses them.
import type { ResolvedConfig } from '../config/resolve.js';
import { PROVIDERS } from '../config/providers.js';
import { UsageError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import type { FeedbackReader } from '../feedback/types.js';
import type { Planner } from './types.js';

/** Throws a usage error when the provider needs a key and none is set. */
export function requireKey(config: ResolvedConfig): void {
  const preset = PROVIDERS[config.provider];
  if (preset?.keyRequired && !config.apiKey) {
    throw new UsageError(`--provider ${config.provider} needs an API key: set JUPITER_API_KEY or ${preset.keyVariable ?? 'JUPITER_API_KEY'}`);
  }
}

/** A stable number from a text (e.g. the session id), so sessions start on different replicas. */
function spreadOffset(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

export async function createPlanner(config: ResolvedConfig, opts: { modeCachePath?: string; session?: string } = {}): Promise<Planner> {
  // In a worker thread: a long search must never block Ctrl-C (the main thread answers signals meanwhile).
  if (config.provider === 'builtin') {
    const { WorkerPlanner } = await import('./worker.js');
    return new WorkerPlanner();
  }
  requireKey(config);
  const urls = config.baseUrls.length ? config.baseUrls : config.baseUrl ? [config.baseUrl] : [];
  if (!urls.length || !config.model) throw new UsageError(`--provider ${config.provider} needs --base-url and --model`);
  const { OpenAIPlanner } = await import('./openai/planner.js');
  const endpoints = await Promise.all(urls.map(async (baseUrl) => ({ baseUrl, client: await modelClient(config, baseUrl) })));
  return new OpenAIPlanner({
    endpoints,
    model: config.model,
    prices: config.prices,
    maxRetries: config.maxRetries,
    timeoutMs: config.timeoutMs,
    maxTokens: config.maxTokens,
    keyVariable: PROVIDERS[config.provider]?.keyVariable ?? config.apiKeyVariable ?? 'JUPITER_API_KEY',
    ...(opts.modeCachePath ? { modeCachePath: opts.modeCachePath } : {}),
    ...(opts.session ? { replicaOffset: spreadOffset(opts.session) } : {}),
    name: `${config.provider}:${config.model}`,
    backoffBaseMs: config.backoffMs,
  });
}

/** One line naming what will plan, e.g. `fireworks · accounts/... at https://...` (replicas: `at a, b (2 replicas)`). */
export function describePlanner(config: ResolvedConfig): string {
  if (config.provider === 'builtin') return 'built-in procedure planner (no endpoint configured)';
  const urls = config.baseUrls.length ? config.baseUrls : config.baseUrl ? [config.baseUrl] : [];
  const at = urls.length > 1 ? `${urls.join(', ')} (${urls.length} replicas)` : (urls[0] ?? '(no base URL)');
  return redactSecrets(`${config.provider} · ${config.model ?? '(no model)'} at ${at}`);
}

/**
 * The OpenAI client for one endpoint of a resolved config (the key checked first); loaded only when a model is
 * configured. A run makes thousands of calls: over node:http, not Node's fetch (see node-fetch.ts); redirects keep
 * the key home.
 */
async function modelClient(config: ResolvedConfig, baseUrl: string): Promise<import('openai').default> {
  requireKey(config);
  const { default: OpenAI } = await import('openai');
  const { modelFetch } = await import('./openai/node-fetch.js');
  return new OpenAI({ apiKey: config.apiKey ?? 'not-needed', baseURL: baseUrl, maxRetries: 0, timeout: config.timeoutMs, fetch: modelFetch() });
}

/** The feedback reader for a resolved config: the model's when one is configured, else the deterministic one. */
export async function createFeedbackReader(config: ResolvedConfig): Promise<FeedbackReader> {
  const { ModelFeedbackReader } = await import('../feedback/model-reader.js');
  const { RulesFeedbackReader } = await import('../feedback/read.js');
  if (config.provider === 'builtin' || !config.baseUrl || !config.model) return new RulesFeedbackReader();
  return new ModelFeedbackReader({ client: await modelClient(config, config.baseUrl), model: config.model });
}
