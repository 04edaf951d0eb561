// Is the endpoint there? One model-list request, as `jupiter doctor` makes first; an unattended run asks it before iteration 1.
import type { ResolvedConfig } from '../config/resolve.js';
import { RuntimeFailure } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import { requireKey } from '../planners/factory.js';

/** The server's answer: its model ids (null when it answered without a usable list), or why it could not be reached. */
export type Reach =
  | { ok: true; ids: string[] | null; ms: number; listError?: string }
  | { ok: false; kind: 'unreachable' | 'timeout' | 'auth'; text: string; ms: number };

/** Lists the models at `baseUrl` within `timeoutMs`; unreachable, timed out and refused keys are the failures. */
export async function reachServer(config: ResolvedConfig, baseUrl: string, timeoutMs: number): Promise<Reach> {
  const sdk = await import('openai');
  const { classify, withDeadline } = await import('../planners/openai/errors.js');
  const { modelFetch } = await import('../planners/openai/node-fetch.js');
  const client = new sdk.default({ apiKey: config.apiKey ?? 'not-needed', baseURL: baseUrl, maxRetries: 0, timeout: timeoutMs, fetch: modelFetch() });
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    const page = await withDeadline(timeoutMs, undefined, (signal) => client.models.list({ signal, timeout: timeoutMs, maxRetries: 0 }));
    return { ok: true, ids: page.data.map((m) => String(m.id)), ms: ms() };
  } catch (err) {
    const fault = classify(err, { aborted: false, timedOut: false });
    const text = fault.status !== undefined ? `HTTP ${fault.reason.replace(/^[a-z ]+\((.*)\)$/i, '$1')}` : fault.reason;
    if (fault.kind === 'timeout') return { ok: false, kind: 'timeout', text: `no complete answer within ${timeoutMs} ms`, ms: ms() };
    if (fault.kind === 'network') return { ok: false, kind: 'unreachable', text, ms: ms() };
    if (fault.kind === 'auth') return { ok: false, kind: 'auth', text, ms: ms() };
    // The server answered, it just has no usable model list (some local servers).
    return { ok: true, ids: null, ms: ms(), listError: text };
  }
}

/** Before an unattended run's first iteration (`next`): every endpoint answers, or the run fails at once with one line (exit 1). */
export async function requireReachable(config: ResolvedConfig, next = 1): Promise<void> {
  if (config.provider === 'builtin' || !config.baseUrl) return;
  // A missing key is the first thing to say (exit 2): asking a server first would blame the server.
  requireKey(config);
  for (const url of config.baseUrls) {
    const reach = await reachServer(config, url, Math.min(10_000, config.timeoutMs));
    if (!reach.ok)
      throw new RuntimeFailure(
        redactSecrets(`endpoint check failed before iteration ${next}: ${url}: ${reach.text}; nothing was run (see \`jupiter doctor\`)`),
      );
  }
}
