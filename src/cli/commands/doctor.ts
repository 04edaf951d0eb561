// `jupiter doctor`: checks the configured endpoint (key, server, model, structured output); exit 0 usable, 1 not, 2 bad config.
import { terminalJson } from '../../core/text.js';
import type { Command } from 'commander';
import type OpenAI from 'openai';
import { PROVIDERS } from '../../config/providers.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { ExitCode, RuntimeFailure } from '../../core/errors.js';
import { describePlanner, requireKey } from '../../planners/factory.js';
import { redactSecrets } from '../../core/secrets.js';
import type { Cli } from '../io.js';
import { reachServer } from '../endpoint-check.js';
import { configFrom, withSettings } from '../options.js';

type Errors = Pick<typeof import('../../planners/openai/errors.js'), 'classify' | 'serverText' | 'withDeadline' | 'FaultError'>;
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
  /** One report per replica when --base-url was given more than once. */
  replicas?: Report[];
}
interface Failure {
  kind: 'unreachable' | 'timeout' | 'auth' | 'format' | 'other';
  text: string;
}

/** Each request, connect to last byte: a server that stalls after its headers cannot hang doctor. */
const DOCTOR_TIMEOUT_MS = 10_000;
const MODES: Mode[] = ['json_schema', 'json_object', 'text'];
const MARK: Record<Status, string> = { ok: '✔', warn: '!', fail: '✖', skip: '-' };
const PROMPT = 'Reply with the JSON object {"ok": true} and nothing else.';

/** The shared classification (planners/openai/errors), in doctor's words. */
function explain(errors: Errors, err: unknown, timeoutMs: number): Failure {
  const fault = errors.classify(err, { aborted: false, timedOut: false });
  const text = fault.status !== undefined ? `HTTP ${fault.reason.replace(/^[a-z ]+\((.*)\)$/i, '$1')}` : fault.reason;
  switch (fault.kind) {
    case 'timeout':
      return { kind: 'timeout', text: `no complete answer within ${timeoutMs} ms` };
    case 'network':
      return { kind: 'unreachable', text };
    case 'auth':
      return { kind: 'auth', text };
    case 'format':
      return { kind: 'format', text };
    default:
      return { kind: 'other', text };
  }
}

function responseFormat(mode: Mode): OpenAI.Chat.ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_object') return { type: 'json_object' };
  if (mode === 'text') return undefined;
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
  return { type: 'json_schema', json_schema: { name: 'doctor_ping', strict: true, schema } };
}

/** One tiny non-streamed request; newer models refuse `max_tokens`, so retry once with `max_completion_tokens`. */
async function tinyRequest(errors: Errors, client: OpenAI, model: string, mode: Mode, timeoutMs: number): Promise<void> {
  const format = responseFormat(mode);
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: [{ role: 'user', content: PROMPT }],
    temperature: 0,
    ...(format ? { response_format: format } : {}),
  };
  const send = (extra: { max_tokens: number } | { max_completion_tokens: number }) =>
    errors.withDeadline(timeoutMs, undefined, (signal) => client.chat.completions.create({ ...body, ...extra }, { signal, timeout: timeoutMs, maxRetries: 0 }));
  try {
    await send({ max_tokens: 20 });
  } catch (err) {
    if (!(err instanceof errors.FaultError && err.fault.kind === 'max-tokens-param')) throw err;
    await send({ max_completion_tokens: 20 });
  }
}

function available(ids: string[], errors: Errors): string {
  if (ids.length === 0) return 'the server lists no models';
  // Model ids are server text: no escape sequences reach the terminal.
  const shown = ids
    .slice(0, 5)
    .map((id) => errors.serverText(id, 80))
    .join(', ');
  return `available: ${shown}${ids.length > 5 ? `, … (${ids.length - 5} more)` : ''}`;
}

/** How tokens and cost will be counted for this model: exact or estimated, priced or unknown (said, not hidden). */
async function addCounting(config: ResolvedConfig, model: string, add: (name: string, status: Status, detail: string) => void): Promise<void> {
  const { tokenizerFor } = await import('../../memory/tokens.js');
  const { priceFor } = await import('../../config/prices.js');
  const tokenizer = tokenizerFor(model);
  add(
    'token counts',
    tokenizer ? 'ok' : 'warn',
    tokenizer ? `exact (${tokenizer} tokenizer)` : `estimated: jupiter has no tokenizer for ${model} (within ~10%; the server's usage is recorded as reported)`,
  );
  const price = priceFor(model, config.prices);
  add(
    'price',
    price ? 'ok' : 'warn',
    price
      ? `$${price.input} in / $${price.output} out per 1M tokens${price.cachedInput !== undefined ? ` ($${price.cachedInput} cached)` : ''}`
      : `unknown: cost is shown as unknown and --max-cost is refused; set prices in jupiter.config.yaml`,
  );
}

async function diagnose(config: ResolvedConfig, baseUrl: string, model: string): Promise<Report> {
  const keyVariable = PROVIDERS[config.provider]?.keyVariable ?? 'JUPITER_API_KEY';
  const report: Report = { planner: describePlanner(config), provider: config.provider, baseUrl, model, usable: false, mode: null, checks: [], hint: null };
  const add = (name: string, status: Status, detail: string, ms?: number) =>
    report.checks.push(ms === undefined ? { name, status, detail } : { name, status, detail, ms });
  const skipRest = (...names: string[]) => names.forEach((n) => add(n, 'skip', 'not checked'));
  const unreachableHint = `server unreachable at ${baseUrl}: start the server or set --base-url / JUPITER_BASE_URL`;
  const authHint = `${baseUrl} refused the API key${config.apiKey ? ` from ${config.apiKeyVariable}` : ''}: set JUPITER_API_KEY or ${keyVariable}`;
  const timeoutMs = Math.min(DOCTOR_TIMEOUT_MS, config.timeoutMs);

  add(
    'API key',
    'ok',
    config.apiKey ? `set in ${config.apiKeyVariable}` : `none set (${config.provider} does not need one; set JUPITER_API_KEY if your server does)`,
  );

  const sdk = await import('openai');
  const { classify, serverText, withDeadline, FaultError } = await import('../../planners/openai/errors.js');
  const errors: Errors = { classify, serverText, withDeadline, FaultError };
  const { modelFetch } = await import('../../planners/openai/node-fetch.js');
  const client = new sdk.default({ apiKey: config.apiKey ?? 'not-needed', baseURL: baseUrl, maxRetries: 0, timeout: timeoutMs, fetch: modelFetch() });

  const reach = await reachServer(config, baseUrl, timeoutMs);
  if (!reach.ok) {
    add('server reachable', 'fail', `${baseUrl}: ${reach.text}`, reach.ms);
    report.hint =
      reach.kind === 'auth'
        ? authHint
        : reach.kind === 'timeout'
          ? `no answer from ${baseUrl} within ${timeoutMs} ms: check the server, or set --base-url / JUPITER_BASE_URL`
          : unreachableHint;
    skipRest('model listed', 'structured output');
    return report;
  }
  const ids = reach.ids;
  add('server reachable', 'ok', `${baseUrl} answered in ${reach.ms} ms${reach.listError ? `, but listing models failed (${reach.listError})` : ''}`, reach.ms);

  const listed = ids === null ? null : ids.includes(model);
  if (ids === null) add('model listed', 'skip', `cannot tell whether ${model} is served`);
  else if (listed) add('model listed', 'ok', `${model} listed`);
  else add('model listed', 'warn', `${model} not listed: ${available(ids, errors)}`);

  return tryModes(config, report, add, errors, { client, model, listed, ids }, { baseUrl, timeoutMs, authHint, unreachableHint });
}

/** The hint after a tiny request failed for a reason other than an output mode the server rejects. */
function requestHint(f: { kind: string; text: string }, model: string, listed: boolean | null, ids: string[] | null, errors: Errors, why: RequestWhy): string {
  const { baseUrl, timeoutMs } = why;
  if (f.kind === 'auth') return why.authHint;
  if (f.kind === 'unreachable') return why.unreachableHint;
  if (f.kind === 'timeout') return `no answer from ${baseUrl} within ${timeoutMs} ms: check that ${model} is loaded, or set --model / JUPITER_MODEL`;
  if (f.kind === 'format') return `${baseUrl} rejected every output mode (${f.text})`;
  if (listed === false) return `model ${model} is not served at ${baseUrl}: set --model / JUPITER_MODEL (${available(ids ?? [], errors)})`;
  return `${baseUrl} rejected a tiny chat request (${f.text}): check --model / JUPITER_MODEL and the server's log`;
}

interface RequestWhy {
  baseUrl: string;
  timeoutMs: number;
  authHint: string;
  unreachableHint: string;
}

/** Tries each output mode with a tiny request until one works (then latency and token counting are checked too). */
async function tryModes(
  config: ResolvedConfig,
  report: Report,
  add: (name: string, status: Status, detail: string, ms?: number) => void,
  errors: Errors,
  target: { client: OpenAI; model: string; listed: boolean | null; ids: string[] | null },
  why: RequestWhy,
): Promise<Report> {
  const { client, model } = target;
  const rejected: Mode[] = [];
  for (const mode of MODES) {
    const t0 = performance.now();
    try {
      await tinyRequest(errors, client, model, mode, why.timeoutMs);
      const ms = Math.round(performance.now() - t0);
      add('structured output', 'ok', `${mode} works${rejected.length ? ` (${rejected.join(', ')} rejected)` : ''}`);
      add('latency', 'ok', `tiny request answered in ${ms} ms`, ms);
      await addCounting(config, model, add);
      report.usable = true;
      report.mode = mode;
      return report;
    } catch (err) {
      const f = explain(errors, err, why.timeoutMs);
      if (f.kind === 'format' && mode !== 'text') {
        rejected.push(mode);
        continue;
      }
      add('structured output', 'fail', `a tiny ${mode} request failed: ${f.text}`);
      report.hint = requestHint(f, model, target.listed, target.ids, errors, why);
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
  const cmd = program.command('doctor').description('check the configured model endpoint: key, server, model, structured output');
  withSettings(cmd, ['provider', 'baseUrls', 'model', 'config', 'json']).action(
    cli.action(async (opts: { provider?: string; baseUrl?: string[]; model?: string; config?: string; json?: boolean }) => {
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
          checks: [
            {
              name: 'endpoint',
              status: 'ok',
              detail: 'none configured: the built-in procedure planner will be used (set --provider or --base-url to use a model)',
            },
          ],
          hint: null,
        };
      } else {
        requireKey(config);
        const model = config.model;
        const reports: Report[] = [];
        for (const url of config.baseUrls) reports.push(await diagnose(config, url, model));
        report =
          reports.length === 1
            ? reports[0]!
            : { ...reports[0]!, usable: reports.every((r) => r.usable), hint: reports.find((r) => !r.usable)?.hint ?? null, replicas: reports };
      }
      if (opts.json) {
        cli.out(redactSecrets(terminalJson(report)));
        return report.usable ? ExitCode.ok : ExitCode.failure;
      }
      for (const r of report.replicas ?? [report]) for (const l of render(r)) cli.out(redactSecrets(l));
      if (!report.usable) throw new RuntimeFailure(report.hint ?? `${report.baseUrl} is not usable`);
      return ExitCode.ok;
    }),
  );
}
