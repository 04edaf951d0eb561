import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { planRequest } from './support/planner-fixtures.js';
import { countTokens } from '../src/memory/tokens.js';
import { DEFAULT_PRICES } from '../src/config/prices.js';
import { OpenAIPlanner } from '../src/planners/openai/planner.js';
import type { OpenAIPlannerOptions } from '../src/planners/openai/planner.js';
import { PlannerError } from '../src/planners/types.js';
import type { PlanRequest } from '../src/planners/types.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { startFakeOpenAI } from './support/fake-openai.js';
import type { FakeOpenAI, Script } from './support/fake-openai.js';

const API_KEY = 'sk-test-fake-key-123';

const target: PlanTarget = {
  set: {
    id: 'release',
    name: 'Release',
    description: 'Release a library.',
    file: 'release.yaml',
    initial: ['code-ready'],
    goals: [],
    actions: [
      { id: 'build', description: 'Build artefacts', requires: ['code-ready'], provides: ['built'], removes: [], fields: ['owner'] },
      { id: 'test', description: 'Run tests', requires: ['built'], provides: ['tested'], removes: [], fields: ['owner', 'evidence'] },
      { id: 'publish', description: 'Publish the package', requires: ['tested'], provides: ['published'], removes: [], fields: ['owner'] },
    ],
    rules: [{ id: 'test-first', kind: 'ordering', severity: 'error', before: 'test', after: 'publish' }],
  },
  goal: { id: 'release', description: 'Library published', keywords: ['release'], facts: ['published'] },
};

const PLAN = {
  title: 'Release v1',
  summary: 'Build, test and publish.',
  steps: [
    { action: 'build', description: 'Build artefacts', owner: 'dev', evidence: 'ci' },
    { action: 'test', description: 'Run the tests', owner: 'dev', evidence: 'report' },
    { action: 'publish', description: 'Publish to npm', owner: 'maintainer', evidence: 'npm page' },
  ],
};
const PLAN_JSON = JSON.stringify(PLAN);

let servers: FakeOpenAI[] = [];
let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'jupiter-llm-'));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  await rm(tmp, { recursive: true, force: true });
});

async function serve(script: Script): Promise<FakeOpenAI> {
  const server = await startFakeOpenAI(script);
  servers.push(server);
  return server;
}

function planner(server: FakeOpenAI, over: Partial<OpenAIPlannerOptions> = {}): OpenAIPlanner {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: server.url });
  return new OpenAIPlanner({
    endpoints: [{ baseUrl: server.url, client }],
    model: 'gpt-4o-mini',
    prices: DEFAULT_PRICES,
    maxRetries: 2,
    // A hang guard, not a speed check: a loaded machine may take seconds to answer locally. The tests of the deadline
    // pass their own (a server that never answers times out whatever the machine's speed).
    timeoutMs: 120_000,
    backoffBaseMs: 10,
    ...over,
  });
}

const request = (over: Partial<PlanRequest> = {}): PlanRequest => planRequest(target, { goalText: 'Release the library', ...over });

async function plannerError(p: Promise<unknown>): Promise<PlannerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PlannerError);
    return err as PlannerError;
  }
  throw new Error('expected a PlannerError');
}

const formats = (s: FakeOpenAI) => s.chatRequests().map((r) => r.body.response_format?.type ?? 'none');
const lastUserMessage = (s: FakeOpenAI, i: number) => {
  const msgs = s.chatRequests()[i]!.body.messages!;
  return String(msgs[msgs.length - 1]!.content);
};

describe('OpenAIPlanner against a local OpenAI-compatible server', () => {
  it('streams a plan and reports the usage and cost the server reported', async () => {
    const server = await serve([{ content: PLAN_JSON, usage: { prompt_tokens: 1200, completion_tokens: 150, cached_tokens: 1000 } }]);
    const progress: number[] = [];
    const res = await planner(server).propose(request({ onProgress: (p) => progress.push(p.tokens) }));

    expect(res.plan).toEqual(PLAN);
    expect(res.mode).toBe('json_schema');
    expect(res.usage).toEqual({ promptTokens: 1200, completionTokens: 150, cachedTokens: 1000 });
    expect(res.costUsd).toBeCloseTo((200 * 0.15 + 1000 * 0.075 + 150 * 0.6) / 1e6, 12);
    expect(res.promptChars).toBeGreaterThan(1000);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(Math.round(PLAN_JSON.length / 4));

    const [req] = server.chatRequests();
    expect(req!.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, temperature: 0.2 });
    expect(req!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'plan', strict: false } });
    expect(req!.body.messages!.map((m) => m.role)).toEqual(['system', 'user']);
    expect(req!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('reports the cost of a model without a price as unknown, not $0', async () => {
    const server = await serve([{ content: PLAN_JSON }]);
    const res = await planner(server, { model: 'my-local-model' }).propose(request());
    expect(res.costUsd).toBeUndefined();
    expect('costUsd' in res).toBe(false);
    expect(res.usage!.promptTokens).toBeGreaterThan(0);
  });

  it('falls back to json_object when json_schema is rejected', async () => {
    const server = await serve([{ rejectResponseFormat: 'json_schema', then: { content: PLAN_JSON } }]);
    const res = await planner(server).propose(request());
    expect(res.mode).toBe('json_object');
    expect(formats(server)).toEqual(['json_schema', 'json_object']);
  });

  it('falls back to plain text and repairs prose and fences when both formats are rejected', async () => {
    const sloppy =
      "Sure! Here's your plan:\n```json\n{title: 'Release v1', summary: 'Build, test and publish.', steps: [{action: 'build',}, {action: 'test'}, {action: 'publish'},],}\n```\nGood luck!";
    const server = await serve([{ rejectResponseFormat: 'both', then: { content: sloppy } }]);
    const res = await planner(server).propose(request());
    expect(res.mode).toBe('text');
    expect(res.plan.steps.map((s) => s.action)).toEqual(['build', 'test', 'publish']);
    expect(formats(server)).toEqual(['json_schema', 'json_object', 'none']);
  });

  it('remembers the working mode in memory and on disk', async () => {
    const cache = path.join(tmp, 'state', 'modes.json');
    const server = await serve([{ rejectResponseFormat: 'json_schema', then: { content: PLAN_JSON } }]);
    const p = planner(server, { modeCachePath: cache });
    await p.propose(request());
    await p.propose(request({ iteration: 2 }));
    expect(formats(server)).toEqual(['json_schema', 'json_object', 'json_object']);
    expect(JSON.parse(await readFile(cache, 'utf8'))).toEqual({ [`${server.url}|gpt-4o-mini`]: 'json_object' });

    // A new planner (a new process) reads the mode from the file.
    const res = await planner(server, { modeCachePath: cache }).propose(request({ iteration: 3 }));
    expect(res.mode).toBe('json_object');
    expect(formats(server)).toEqual(['json_schema', 'json_object', 'json_object', 'json_object']);
  });

  it('honours retry-after on 429 and then succeeds', async () => {
    const server = await serve([{ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached' } } }, { content: PLAN_JSON }]);
    const retries: { attempt: number; reason: string; delayMs: number }[] = [];
    const res = await planner(server).propose(request({ onRetry: (r) => retries.push(r) }));
    expect(res.plan).toEqual(PLAN);
    expect(retries).toEqual([{ attempt: 1, reason: expect.stringContaining('rate limited') as string, delayMs: 1000 }]);
    const [a, b] = server.chatRequests();
    expect(b!.time - a!.time).toBeGreaterThanOrEqual(900);
  });

  it('honours retry-after-ms on 429', async () => {
    const server = await serve([{ status: 429, headers: { 'retry-after-ms': '250' } }, { content: PLAN_JSON }]);
    const retries: number[] = [];
    await planner(server).propose(request({ onRetry: (r) => retries.push(r.delayMs) }));
    expect(retries).toEqual([250]);
    const [a, b] = server.chatRequests();
    expect(b!.time - a!.time).toBeGreaterThanOrEqual(200);
  });

  it('retries a 500 and then succeeds', async () => {
    const server = await serve([{ status: 500 }, { content: PLAN_JSON }]);
    const retries: string[] = [];
    const res = await planner(server).propose(request({ onRetry: (r) => retries.push(r.reason) }));
    expect(res.plan).toEqual(PLAN);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toContain('server error');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('gives up with a server error after maxRetries + 1 requests', async () => {
    const server = await serve([{ status: 503, body: { error: { message: 'overloaded' } } }]);
    const err = await plannerError(planner(server, { maxRetries: 3 }).propose(request()));
    expect(err.kind).toBe('server');
    expect(err.message).toContain(server.url);
    expect(err.message).toContain('after 4 attempts');
    expect(err.message).not.toContain('\n');
    expect(server.chatRequests()).toHaveLength(4);
  });

  it('times out a hung request', async () => {
    // The server never answers: only the deadline ends each attempt (the test's own limit guards a hang).
    const server = await serve([{ hang: true }]);
    const err = await plannerError(planner(server, { timeoutMs: 200, maxRetries: 1 }).propose(request()));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain(server.url);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('retries a stream cut mid-plan and succeeds', async () => {
    const server = await serve([{ cutAfterChars: 60, content: PLAN_JSON }, { content: PLAN_JSON }]);
    const retries: string[] = [];
    const res = await planner(server).propose(request({ onRetry: (r) => retries.push(r.reason) }));
    expect(res.plan).toEqual(PLAN);
    expect(retries).toHaveLength(1);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('retries a stream that ends without a finish reason', async () => {
    const server = await serve([{ content: PLAN_JSON.slice(0, 50), finish: false }, { content: PLAN_JSON }]);
    const retries: string[] = [];
    const res = await planner(server).propose(request({ onRetry: (r) => retries.push(r.reason) }));
    expect(res.plan).toEqual(PLAN);
    expect(retries).toEqual([expect.stringContaining('ended before the model finished')]);
  });

  it('asks once more with the error, then fails as unparseable', async () => {
    const server = await serve([{ content: 'I cannot produce a plan for that.' }]);
    const err = await plannerError(planner(server).propose(request()));
    expect(err.kind).toBe('unparseable');
    const reqs = server.chatRequests();
    expect(reqs).toHaveLength(2);
    const second = reqs[1]!.body.messages!;
    expect(second.slice(-2)).toEqual([
      { role: 'assistant', content: 'I cannot produce a plan for that.' },
      { role: 'user', content: 'Your previous answer could not be used: no JSON object found in the answer. Reply with only the corrected JSON plan.' },
    ]);
  });

  it('retries a schema miss once with the error and uses the corrected plan', async () => {
    const server = await serve([{ content: JSON.stringify({ title: 'x', summary: 'y' }) }, { content: PLAN_JSON }]);
    const res = await planner(server, { model: 'gpt-4o' }).propose(request());
    expect(res.plan).toEqual(PLAN);
    expect(server.chatRequests()).toHaveLength(2);
    expect(lastUserMessage(server, 1)).toContain('steps is missing');
    // Usage adds up over both calls.
    expect(res.usage!.completionTokens).toBe(Math.ceil(JSON.stringify({ title: 'x', summary: 'y' }).length / 4) + Math.ceil(PLAN_JSON.length / 4));
  });

  it('fails with a schema error when the corrected answer still misses steps', async () => {
    const server = await serve([{ content: JSON.stringify({ title: 'x', summary: 'y', steps: [{ owner: 'a' }] }) }]);
    const err = await plannerError(planner(server).propose(request()));
    expect(err.kind).toBe('schema');
    expect(err.message).toContain('steps[0].action is missing');
  });

  it('stops with aborted when cancelled mid-stream', async () => {
    // A stream that never ends on its own: only the abort (at the first progress event) can end this call.
    const server = await serve([{ endless: { piece: '{"title": "x", ', everyMs: 5 } }]);
    const controller = new AbortController();
    let progress = 0;
    const err = await plannerError(
      planner(server).propose(
        request({
          signal: controller.signal,
          onProgress: () => {
            progress++;
            controller.abort();
          },
        }),
      ),
    );
    expect(err.kind).toBe('aborted');
    expect(progress).toBeGreaterThan(0);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('reports a refused key without leaking it', async () => {
    const server = await serve([{ status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}` } } }]);
    const err = await plannerError(planner(server, { keyVariable: 'FIREWORKS_API_KEY' }).propose(request()));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('set JUPITER_API_KEY or FIREWORKS_API_KEY');
    expect(err.message).not.toContain(API_KEY);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('lists models from the fake server', async () => {
    const server = await startFakeOpenAI([{ content: '' }], { models: ['gpt-4o-mini', 'gpt-4o'] });
    servers.push(server);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.url });
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });
});

describe('limits: a wall-clock deadline, max_tokens, capped answers', () => {
  it('sends max_tokens (default 4096, configurable)', async () => {
    const server = await serve([{ content: PLAN_JSON }]);
    await planner(server).propose(request());
    await planner(server, { maxTokens: 1234 }).propose(request());
    expect(server.chatRequests().map((r) => r.body.max_tokens)).toEqual([4096, 1234]);
  });

  it('switches to max_completion_tokens when a server refuses max_tokens', async () => {
    const server = await serve((q) =>
      q.body.max_tokens !== undefined
        ? {
            status: 400,
            body: { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." } },
          }
        : { content: PLAN_JSON },
    );
    const p = planner(server);
    expect((await p.propose(request())).plan).toEqual(PLAN);
    await p.propose(request({ iteration: 2 }));
    const bodies = server.chatRequests().map((r) => r.body);
    expect(bodies.map((b) => [b.max_tokens, b.max_completion_tokens])).toEqual([
      [4096, undefined],
      [undefined, 4096],
      [undefined, 4096],
    ]);
  });

  it('ends an endless stream at the wall-clock timeout (the old timeout only bounded the gap between chunks)', async () => {
    const server = await serve([{ endless: { piece: '{"title": "x", ', everyMs: 5 } }]);
    const err = await plannerError(planner(server, { timeoutMs: 300, maxRetries: 0 }).propose(request()));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('no complete answer within 300 ms');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('ends a response that stalls after its headers at the deadline', async () => {
    const server = await serve([{ stallAfterHeaders: true }]);
    const err = await plannerError(planner(server, { timeoutMs: 200, maxRetries: 1 }).propose(request()));
    expect(err.kind).toBe('timeout');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('refuses an answer past the size cap while it streams, without buffering the rest', async () => {
    const huge = `{"title": "x", "summary": "${'y'.repeat(400_000)}", "steps": []}`;
    const server = await serve([{ content: huge, chunkChars: 8192 }]);
    const err = await plannerError(planner(server, { maxRetries: 3 }).propose(request()));
    expect(err.kind).toBe('schema');
    expect(err.message).toContain('the answer passed 262144 characters');
    // Not retried: a model that writes 5 MB once will do it again.
    expect(server.chatRequests()).toHaveLength(1);
  });
});

describe('the answer schema sent to the server', () => {
  it('enumerates the allowed action ids (forbidden ones left out) and offers optional reasoning', async () => {
    const ruled: PlanTarget = {
      ...target,
      set: {
        ...target.set,
        actions: [
          ...target.set.actions,
          { id: 'yolo-publish', description: 'Publish untested', requires: ['built'], provides: ['published'], removes: [], fields: [] },
        ],
        rules: [...target.set.rules, { id: 'no-yolo', kind: 'forbidden', severity: 'error', action: 'yolo-publish' }],
      },
    };
    const server = await serve([{ content: JSON.stringify({ reasoning: 'code-ready holds; build adds built; ...', ...PLAN }) }]);
    const res = await planner(server).propose(planRequest(ruled, { goalText: 'Release the library' }));
    expect(res.plan).toEqual(PLAN);
    expect(res.reasoning).toBe('code-ready holds; build adds built; ...');
    const format = server.chatRequests()[0]!.body.response_format as unknown as {
      json_schema: { schema: { properties: { reasoning: unknown; steps: { items: { properties: { action: { enum: string[] } } } } } } };
    };
    expect(format.json_schema.schema.properties.steps.items.properties.action.enum).toEqual(['build', 'test', 'publish']);
    expect(format.json_schema.schema.properties.reasoning).toMatchObject({ type: 'string' });
  });

  it('follows the allowed actions from one call to the next (a rule added mid-session narrows the enum)', async () => {
    const server = await serve([{ content: PLAN_JSON }, { content: PLAN_JSON }, { content: PLAN_JSON }]);
    const p = planner(server);
    const narrowed: PlanTarget = {
      ...target,
      set: { ...target.set, rules: [...target.set.rules, { id: 'no-test', kind: 'forbidden', severity: 'error', action: 'test' }] },
    };
    await p.propose(request());
    await p.propose(planRequest(narrowed, { goalText: 'Release the library' }));
    await p.propose(request());
    type Format = { json_schema: { schema: { properties: { steps: { items: { properties: { action: { enum: string[] } } } } } } } };
    const enumOf = (format: unknown) => (format as Format).json_schema.schema.properties.steps.items.properties.action.enum;
    const enums = server.chatRequests().map((r) => enumOf(r.body.response_format));
    expect(enums).toEqual([
      ['build', 'test', 'publish'],
      ['build', 'publish'],
      ['build', 'test', 'publish'],
    ]);
  });
});

describe('tokens: exact for known models, an estimate that says so for others', () => {
  it('counts the prompt with o200k_base for gpt-4o-mini', async () => {
    const server = await serve([{ content: PLAN_JSON }]);
    const res = await planner(server).propose(request());
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    const prompt = server
      .chatRequests()[0]!
      .body.messages!.map((m) => countTokens(String(m.content)))
      .reduce((a, b) => a + b, 0);
    expect(res.promptTokens).toEqual({ count: prompt, tokenizer: 'o200k_base', exact: true });
  });

  it('counts with the Llama 3 tokenizer for a Llama 3 model on vLLM or Fireworks', async () => {
    const server = await serve([{ content: PLAN_JSON }]);
    const res = await planner(server, { model: 'accounts/fireworks/models/llama-v3p1-70b-instruct' }).propose(request());
    const { default: llama } = await import('llama3-tokenizer-js');
    const prompt = server
      .chatRequests()[0]!
      .body.messages!.map((m) => llama.encode(String(m.content), { bos: false, eos: false }).length)
      .reduce((a, b) => a + b, 0);
    expect(res.promptTokens).toEqual({ count: prompt, tokenizer: 'llama3', exact: true });
  });

  it("says an unknown model's count is an estimate, and uses its counts when the server reports no usage", async () => {
    const server = await serve([{ content: PLAN_JSON, noUsage: true }]);
    const res = await planner(server, { model: 'mystery-7b' }).propose(request());
    expect(res.promptTokens).toMatchObject({ tokenizer: 'estimate', exact: false });
    expect(res.usage!.completionTokens).toBe(countTokens(PLAN_JSON));
    expect(res.usage!.promptTokens).toBe(res.promptTokens!.count);
  });
});

describe('replicas: several --base-url for one model', () => {
  function pool(servers: FakeOpenAI[], over: Partial<OpenAIPlannerOptions> = {}): OpenAIPlanner {
    const endpoints = servers.map((s) => ({ baseUrl: s.url, client: new OpenAI({ apiKey: API_KEY, baseURL: s.url }) }));
    return new OpenAIPlanner({ endpoints, model: 'gpt-4o-mini', prices: DEFAULT_PRICES, maxRetries: 2, timeoutMs: 120_000, backoffBaseMs: 10, ...over });
  }

  it('spreads K concurrent candidates across the replicas', async () => {
    const a = await serve([{ content: PLAN_JSON }]);
    const b = await serve([{ content: PLAN_JSON }]);
    const p = pool([a, b]);
    const res = await Promise.all([0, 1, 2, 3].map((candidate) => p.propose(request({ candidate }))));
    expect(res.map((r) => r.endpoint)).toEqual([a.url, b.url, a.url, b.url]);
    expect([a.chatRequests().length, b.chatRequests().length]).toEqual([2, 2]);
  });

  it('starts sessions on different replicas (replicaOffset)', async () => {
    const a = await serve([{ content: PLAN_JSON }]);
    const b = await serve([{ content: PLAN_JSON }]);
    expect((await pool([a, b], { replicaOffset: 1 }).propose(request())).endpoint).toBe(b.url);
    expect((await pool([a, b], { replicaOffset: 2 }).propose(request())).endpoint).toBe(a.url);
  });

  it('marks a failing replica down for the session and retries the call on another at once', async () => {
    const sick = await serve([{ status: 503, body: { error: { message: 'overloaded' } } }]);
    const well = await serve([{ content: PLAN_JSON }]);
    const p = pool([sick, well]);
    const retries: { reason: string; delayMs: number }[] = [];
    const first = await p.propose(request({ candidate: 0, onRetry: (r) => retries.push(r) }));
    expect(first.endpoint).toBe(well.url);
    expect(retries).toEqual([
      { attempt: 1, reason: expect.stringContaining(`${sick.url}: server error (503: overloaded); marked down, trying ${well.url}`) as string, delayMs: 0 },
    ]);
    // Candidate 0 would start on the sick replica: it is skipped from now on.
    const again = await Promise.all([0, 1].map((candidate) => p.propose(request({ candidate }))));
    expect(again.map((r) => r.endpoint)).toEqual([well.url, well.url]);
    expect(sick.chatRequests()).toHaveLength(1);
  });

  it('a replica that refuses connections is skipped too; when all fail, the error names the last one', async () => {
    const dead = await startFakeOpenAI([{ content: '' }]);
    const deadUrl = dead.url;
    await dead.close();
    const well = await serve([{ content: PLAN_JSON }]);
    const endpoints = [deadUrl, well.url].map((u) => ({ baseUrl: u, client: new OpenAI({ apiKey: API_KEY, baseURL: u }) }));
    const p = new OpenAIPlanner({ endpoints, model: 'gpt-4o-mini', prices: DEFAULT_PRICES, maxRetries: 0, timeoutMs: 120_000, backoffBaseMs: 10 });
    expect((await p.propose(request())).endpoint).toBe(well.url);

    const down = await serve([{ status: 500 }]);
    const also = await serve([{ status: 502 }]);
    const err = await plannerError(pool([down, also], { maxRetries: 1 }).propose(request()));
    expect(err.kind).toBe('server');
    expect(err.message).toContain(also.url);
    expect(down.chatRequests()).toHaveLength(1);
    expect(also.chatRequests()).toHaveLength(2);
  });
});
