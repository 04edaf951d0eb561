// `jupiter doctor`: checks the configured endpoint (key, server, model, structured output); exit 0 usable, 1 not, 2 bad config.
import type { Command } from 'commander';
import type OpenAI from 'openai';
import { PROVIDERS } from '../../config.js';
import type { ResolvedConfig } from '../../config.js';
import { ExitCode, RuntimeFailure } from '../../core/errors.js';
import { describePlanner, requireKey } from '../../planners/factory.js';
import { redactSecrets } from '../../core/secrets.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withJson } from '../options.js';

type Sdk = typeof import('openai');
type Mode = 'json_schema' | 'json_object' | 'text';
type Status = 'ok' | 'warn' | 'fail' | 'skip';
interface Check {
  name: string;
  status: Status;
  detail: string;
  ms?: number;
}
interface Report {
  planner: string;
  provider: string;
  baseUrl: string | null;
  model: string | null;
  usable: boolean;
  mode: Mode | null;
  checks: Check[];
  hint: string | null;
}
interface Failure {
  kind: 'unreachable' | 'timeout' | 'auth' | 'format' | 'other';
  text: string;
}

const DOCTOR_TIMEOUT_MS = 10_000;
const MODES: Mode[] = ['json_schema', 'json_object', 'text'];
const MARK: Record<Status, string> = { ok: '✔', warn: '!', fail: '✖', skip: '-' };
const FORMAT_REJECTION = /response_format|json_schema|json_object|structured|unsupported|not supported/i;
const PROMPT = 'Reply with the JSON object {"ok": true} and nothing else.';

function rootCause(err: unknown): string {
  let e = err as { message?: string; code?: string; cause?: unknown } | undefined;
  for (let depth = 0; e?.cause && depth < 4; depth++) e = e.cause as typeof e;
  return e?.code ?? e?.message ?? String(err);
}

function explain(sdk: Sdk, err: unknown, timeoutMs: number): Failure {
  if (err instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', text: `no answer within ${timeoutMs} ms` };
  if (err instanceof sdk.APIConnectionError) return { kind: 'unreachable', text: `connection failed (${rootCause(err)})` };
  if (err instanceof sdk.APIError) {
    // Redact before shortening: a key cut in half by the slice would no longer be recognised.
    const text = `HTTP ${err.status ?? '?'}: ${redactSecrets(err.message.replace(/^\d{3}\s*/, '').replace(/\s+/g, ' ')).slice(0, 200)}`;
    if (err.status === 401 || err.status === 403) return { kind: 'auth', text };
    if (err.status === 400 && FORMAT_REJECTION.test(err.message) && !/max_tokens/.test(err.message)) return { kind: 'format', text };
    return { kind: 'other', text };
  }
  return { kind: 'other', text: rootCause(err) };
}

function responseFormat(mode: Mode): OpenAI.Chat.ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_object') return { type: 'json_object' };
  if (mode === 'text') return undefined;
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
  return { type: 'json_schema', json_schema: { name: 'doctor_ping', strict: true, schema } };
}

/** One tiny non-streamed request; newer models refuse `max_tokens`, so retry once with `max_completion_tokens`. */
async function tinyRequest(sdk: Sdk, client: OpenAI, model: string, mode: Mode, timeoutMs: number): Promise<void> {
  const format = responseFormat(mode);
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = { model, messages: [{ role: 'user', content: PROMPT }], temperature: 0, ...(format ? { response_format: format } : {}) };
  const options = { timeout: timeoutMs, maxRetries: 0 };
  try {
    await client.chat.completions.create({ ...body, max_tokens: 20 }, options);
  } catch (err) {
    if (!(err instanceof sdk.BadRequestError && /max_tokens/.test(err.message))) throw err;
    await client.chat.completions.create({ ...body, max_completion_tokens: 20 }, options);
  }
}

function available(ids: string[]): string {
  if (ids.length === 0) return 'the server lists no models';
  const shown = ids.slice(0, 5).join(', ');
  return `available: ${shown}${ids.length > 5 ? `, … (${ids.length - 5} more)` : ''}`;
}

async function diagnose(config: ResolvedConfig, baseUrl: string, model: string): Promise<Report> {
  const keyVariable = PROVIDERS[config.provider]?.keyVariable ?? 'JUPITER_API_KEY';
  const report: Report = { planner: describePlanner(config), provider: config.provider, baseUrl, model, usable: false, mode: null, checks: [], hint: null };
  const add = (name: string, status: Status, detail: string, ms?: number) => report.checks.push(ms === undefined ? { name, status, detail } : { name, status, detail, ms });
  const skipRest = (...names: string[]) => names.forEach((n) => add(n, 'skip', 'not checked'));
  const unreachableHint = `server unreachable at ${baseUrl}: start the server or set --base-url / JUPITER_BASE_URL`;
  const authHint = `${baseUrl} refused the API key${config.apiKey ? ` from ${config.apiKeyVariable}` : ''}: set JUPITER_API_KEY or ${keyVariable}`;
  const timeoutMs = Math.min(DOCTOR_TIMEOUT_MS, config.timeoutMs);

  add('API key', 'ok', config.apiKey ? `set in ${config.apiKeyVariable}` : `none set (${config.provider} does not need one; set JUPITER_API_KEY if your server does)`);

  const sdk = await import('openai');
  const client = new sdk.default({ apiKey: config.apiKey ?? 'not-needed', baseURL: baseUrl, maxRetries: 0, timeout: timeoutMs });

  let ids: string[] | null = null;
  let t0 = performance.now();
  try {
    const page = await client.models.list({ timeout: timeoutMs, maxRetries: 0 });
    ids = page.data.map((m) => m.id);
    add('server reachable', 'ok', `${baseUrl} answered in ${Math.round(performance.now() - t0)} ms`, Math.round(performance.now() - t0));
  } catch (err) {
    const f = explain(sdk, err, timeoutMs);
    const ms = Math.round(performance.now() - t0);
    if (f.kind === 'unreachable' || f.kind === 'timeout' || f.kind === 'auth') {
      add('server reachable', 'fail', `${baseUrl}: ${f.text}`, ms);
      report.hint = f.kind === 'auth' ? authHint : f.kind === 'timeout' ? `no answer from ${baseUrl} within ${timeoutMs} ms: check the server, or set --base-url / JUPITER_BASE_URL` : unreachableHint;
      skipRest('model listed', 'structured output');
      return report;
    }
    // The server answered, it just has no usable model list (some local servers).
    add('server reachable', 'ok', `${baseUrl} answered in ${ms} ms, but listing models failed (${f.text})`, ms);
  }

  const listed = ids === null ? null : ids.includes(model);
  if (ids === null) add('model listed', 'skip', `cannot tell whether ${model} is served`);
  else if (listed) add('model listed', 'ok', `${model} listed`);
  else add('model listed', 'warn', `${model} not listed: ${available(ids)}`);

  const rejected: Mode[] = [];
  for (const mode of MODES) {
    t0 = performance.now();
    try {
      await tinyRequest(sdk, client, model, mode, timeoutMs);
      const ms = Math.round(performance.now() - t0);
      add('structured output', 'ok', `${mode} works${rejected.length ? ` (${rejected.join(', ')} rejected)` : ''}`);
      add('latency', 'ok', `tiny request answered in ${ms} ms`, ms);
      report.usable = true;
      report.mode = mode;
      return report;
    } catch (err) {
      const f = explain(sdk, err, timeoutMs);
      if (f.kind === 'format' && mode !== 'text') {
        rejected.push(mode);
        continue;
      }
      add('structured output', 'fail', `a tiny ${mode} request failed: ${f.text}`);
      report.hint =
        f.kind === 'auth' ? authHint
        : f.kind === 'unreachable' ? unreachableHint
        : f.kind === 'timeout' ? `no answer from ${baseUrl} within ${timeoutMs} ms: check that ${model} is loaded, or set --model / JUPITER_MODEL`
        : f.kind === 'format' ? `${baseUrl} rejected every output mode (${f.text})`
        : listed === false ? `model ${model} is not served at ${baseUrl}: set --model / JUPITER_MODEL (${available(ids ?? [])})`
        : `${baseUrl} rejected a tiny chat request (${f.text}): check --model / JUPITER_MODEL and the server's log`;
      return report;
    }
  }
  return report;
}

function render(report: Report): string[] {
  const lines = [`jupiter doctor: ${report.planner}`];
  for (const c of report.checks) lines.push(`  ${MARK[c.status]} ${c.name.padEnd(18)} ${c.detail}`);
  if (report.usable) lines.push(report.baseUrl ? `endpoint usable: plans will use ${report.mode} output` : 'ready: no endpoint needed');
  return lines;
}

export function registerDoctor(program: Command, cli: Cli): void {
  const cmd = program
    .command('doctor')
    .description('check the configured model endpoint: key, server, model, structured output')
    .option('--provider <name>', `provider preset (${Object.keys(PROVIDERS).join(', ')})`)
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1')
    .option('--model <id>', 'model id');
  withJson(withConfig(cmd)).action(
    cli.action(async (opts: { provider?: string; baseUrl?: string; model?: string; config?: string; json?: boolean }) => {
    const config = configFrom(cli, opts);
    let report: Report;
    if (config.provider === 'builtin' || !config.baseUrl || !config.model) {
      report = {
        planner: describePlanner(config),
        provider: config.provider,
        baseUrl: null,
        model: null,
        usable: true,
        mode: null,
        checks: [{ name: 'endpoint', status: 'ok', detail: 'none configured: the built-in procedure planner will be used (set --provider or --base-url to use a model)' }],
        hint: null,
      };
    } else {
      requireKey(config);
      report = await diagnose(config, config.baseUrl, config.model);
    }
    if (opts.json) {
      cli.out(redactSecrets(JSON.stringify(report)));
      return report.usable ? ExitCode.ok : ExitCode.failure;
    }
    for (const l of render(report)) cli.out(redactSecrets(l));
    if (!report.usable) throw new RuntimeFailure(report.hint ?? `${report.baseUrl} is not usable`);
    return ExitCode.ok;
  }));
}
