// The real CLI and the real openai client against a real local OpenAI-compatible server, with injected faults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROGRESS_STEP_TOKENS } from '../src/cli/progress.js';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './support/cli.js';
import { type Reply, fakeServers } from './support/fake-openai.js';

const VALID = readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8');
const validJson = JSON.stringify(parse(VALID));
const invalidJson = JSON.stringify({
  ...(parse(VALID) as object),
  steps: (parse(VALID) as { steps: { action: string }[] }).steps.filter((s) => s.action !== 'run-tests'),
});
const KEY = 'sk-test-e2e-secret-key-0042';

const { serve, forget } = fakeServers();

function plan(cwd: string, url: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCli(['plan', 'Deploy the orchestrator', '--provider', 'custom', '--base-url', url, '--model', 'test-model', '--unattended', ...extra], {
    cwd,
    env: { JUPITER_API_KEY: KEY, JUPITER_BACKOFF_MS: '20', ...env },
  });
}

const ok = (p: number, c: number, k = 0): Reply => ({ content: validJson, usage: { prompt_tokens: p, completion_tokens: c, cached_tokens: k } });
const logText = (cwd: string) => readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
const sections = (cwd: string) => logText(cwd).match(/^## Iteration \d+/gm) ?? [];
async function sessionJson(cwd: string) {
  const r = await runCli(['sessions', '--json'], { cwd });
  return (
    JSON.parse(r.stdout) as {
      sessions: {
        id: string;
        status: string;
        progress: { completed: number; errors: number };
        usage: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number };
        haltReason: string | null;
      }[];
    }
  ).sessions[0]!;
}

describe('LLM planning through the CLI', () => {
  it('runs 20 iterations; token and cost figures in the summary equal the server-reported usage', async () => {
    const usages = Array.from({ length: 20 }, (_, i) => [1000 + i * 7, 300 + i, 600 + i * 5] as const);
    const server = await serve((req) => ok(...usages[req.index]!));
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '20', '-c', '5', '--patience', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(sections(cwd)).toHaveLength(20);
    // Usage and cost so far at each checkpoint: iterations 1-5 reported 5,070 + 1,510 tokens, 3,050 cached.
    expect(r.stdout).toContain(
      '◆ Checkpoint after iteration 5: 5 completed · 1 approved · 4 repeats · 0 failed · 0 rejected · 0 errors · success 100% · 6,580 tokens (3,050 cached) · cost unknown',
    );
    const chat = server.chatRequests();
    expect(chat).toHaveLength(20);
    expect(chat.every((q) => q.body.stream === true && q.body.stream_options?.include_usage === true)).toBe(true);
    const summary = JSON.parse((await runCli(['summary', '--json'], { cwd })).stdout) as {
      usage: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number };
    };
    const sum = (k: 0 | 1 | 2) => usages.reduce((s, u) => s + u[k], 0);
    expect(summary.usage).toMatchObject({ promptTokens: sum(0), completionTokens: sum(1), cachedTokens: sum(2) });
    const s = await sessionJson(cwd);
    expect(s.usage).toMatchObject({ promptTokens: sum(0), completionTokens: sum(1), cachedTokens: sum(2) });
    // The key was sent to the server and written nowhere.
    expect(chat[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    for (const f of ['execution_log.md', 'lessons.md', 'successful_patterns.md', `sessions/${s.id}.json`])
      expect(readFileSync(path.join(cwd, 'memory', f), 'utf8')).not.toContain(KEY);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('--json streams NDJSON events: recall of how much, token progress while streaming, usage as the server reported it', async () => {
    const server = await serve(() => ({ ...ok(1234, 321, 1000), chunkChars: 8 }));
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '2', '-c', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: 'session-started', iterations: 2, planner: 'custom:test-model' });
    expect(events.filter((e) => e.type === 'recalled')[1]).toMatchObject({
      budget: 4000,
      items: expect.any(Number) as number,
      total: expect.any(Number) as number,
    });
    const progress = events.filter((e) => e.type === 'planner-progress' && e.iteration === 1).map((e) => e.tokens as number);
    expect(progress.length).toBeGreaterThan(5);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    // Every few dozen tokens, not per streamed chunk (two tokens each here): a long run's output stays small.
    for (let i = 1; i < progress.length; i++) expect(progress[i]! - progress[i - 1]!).toBeGreaterThanOrEqual(PROGRESS_STEP_TOKENS);
    expect(events.find((e) => e.type === 'plan-proposed')).toMatchObject({
      mode: 'json_schema',
      usage: { promptTokens: 1234, completionTokens: 321, cachedTokens: 1000 },
    });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', usage: { promptTokens: 2468, completionTokens: 642, cachedTokens: 2000 } });
  });

  it("checks jupiter's token estimate against the server's count, per prompt", async () => {
    const server = await serve([{ content: validJson }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse((await runCli(['summary', '--json'], { cwd })).stdout) as { tokenEstimate: { samples: number; medianRatio: number } };
    expect(summary.tokenEstimate.samples).toBe(3);
    // The fake server counts about 4 characters per token, as OpenAI's tokenizers do on English.
    expect(summary.tokenEstimate.medianRatio).toBeGreaterThan(0.6);
    expect(summary.tokenEstimate.medianRatio).toBeLessThan(1.6);
  });

  it('prices a known model: the cost in the session equals usage × the configured price', async () => {
    const server = await serve(() => ok(2_000_000, 500_000, 1_000_000));
    const cwd = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'prices:\n  test-model: { input: 1, output: 2, cachedInput: 0.5 }\n');
    const r = await plan(cwd, server.url, ['-n', '2', '-c', '0']);
    expect(r.code, r.stderr).toBe(0);
    // Per iteration: 1M uncached input × $1 + 1M cached × $0.5 + 0.5M output × $2 = $2.5
    expect((await sessionJson(cwd)).usage.costUsd).toBeCloseTo(5, 6);
  });

  it('--max-cost stops the run before it exceeds the budget (exit 3, state saved)', async () => {
    const server = await serve(() => ok(2_000_000, 500_000, 1_000_000));
    const cwd = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'prices:\n  test-model: { input: 1, output: 2, cachedInput: 0.5 }\n');
    const r = await plan(cwd, server.url, ['-n', '10', '-c', '0', '--max-cost', '6']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cost budget: \$5\.0000 spent of \$6/);
    expect(sections(cwd)).toHaveLength(2);
    expect((await sessionJson(cwd)).status).toBe('paused');
  });

  it('falls back from json_schema to json_object to text, and remembers what worked for the endpoint', async () => {
    const server = await serve(() => ({ rejectResponseFormat: 'both', then: { content: `Here is the plan:\n\`\`\`json\n${validJson}\n\`\`\`` } }));
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0']);
    expect(r.code, r.stderr).toBe(0);
    const formats = server.chatRequests().map((q) => (q.body.response_format as { type?: string } | undefined)?.type ?? 'text');
    expect(formats).toEqual(['json_schema', 'json_object', 'text', 'text', 'text']);
    const cache = JSON.parse(readFileSync(path.join(cwd, 'memory', '.jupiter', 'endpoints.json'), 'utf8')) as Record<string, string>;
    expect(Object.values(cache)).toContain('text');
  });

  it('honours Retry-After on 429 and recovers from a 500 and a stream cut mid-plan', async () => {
    const script: Reply[] = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }, { cutAfterChars: 40, content: validJson }, ok(100, 50)];
    const server = await serve(script);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '2', '-c', '0']);
    expect(r.code, r.stderr).toBe(0);
    const times = server.chatRequests().map((q) => q.time);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(sections(cwd)).toHaveLength(2);
  });

  it('a server that keeps failing ends the unattended run with exit 1, one clear line, and the session saved', async () => {
    const server = await serve([{ status: 500, body: { error: { message: 'overloaded' } } }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '5', '-c', '0', '--max-failures', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^jupiter: 1 failed iteration in a row \(--max-failures 1\); last: server: .*resume with `jupiter resume \S+`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const s = await sessionJson(cwd);
    expect(s).toMatchObject({ status: 'failed', progress: { completed: 1, errors: 1 } });
    expect(logText(cwd)).toContain('planner error: server:');
  });

  it('a hung request times out and ends with exit 1 (nothing lost)', async () => {
    const server = await serve([{ hang: true }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '2', '-c', '0', '--timeout', '300', '--max-failures', '1'], { JUPITER_MAX_RETRIES: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/timeout/i);
    expect((await sessionJson(cwd)).status).toBe('failed');
  });

  it('a refused connection is a one-line error naming the endpoint', async () => {
    const server = await serve([ok(1, 1)]);
    const url = server.url;
    await server.close();
    forget(server);
    const cwd = tempDir();
    const r = await plan(cwd, url, ['-n', '2', '-c', '0', '--max-failures', '1'], { JUPITER_MAX_RETRIES: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(url.replace(/\/v1$/, ''));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('invalid JSON twice: a failed iteration with the reason, retried once with the error shown, then exit 1 (the planner never produced a plan)', async () => {
    const server = await serve([{ content: 'I think you should {deploy it' }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-failures', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no valid plan: the planner never produced a usable plan \(1 planner error\); 1 failed iteration in a row/);
    const chat = server.chatRequests();
    expect(chat).toHaveLength(2);
    expect(JSON.stringify(chat[1]!.body.messages)).toMatch(/could not be used/);
    // jsonrepair makes an object of the prose; it is not a plan.
    expect(logText(cwd)).toMatch(/planner error: schema: .*steps is missing/);
    expect(await sessionJson(cwd)).toMatchObject({ status: 'failed', progress: { completed: 1, errors: 1 } });
  });

  it('JSON that misses the schema is retried once with the error, then ends with exit 1 (no plan ever)', async () => {
    const server = await serve([{ content: JSON.stringify({ title: 'x', summary: 'y' }) }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-failures', '1']);
    expect(r.code).toBe(1);
    expect(server.chatRequests()).toHaveLength(2);
    expect(logText(cwd)).toMatch(/planner error: schema/);
  });

  it('with --max-failures 1 and no repairs, a model plan that fails validation halts the unattended run (exit 3); resume continues', async () => {
    const server = await serve((req) => (req.index === 1 ? { content: invalidJson } : ok(10, 10)));
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '4', '-c', '0', '--max-failures', '1', '--repairs', '0', '--patience', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/halted for human review: 1 failed iteration in a row \(--max-failures 1\); last: plan failed validation/);
    const resumed = await runCli(['resume', '--unattended'], { cwd, env: { JUPITER_API_KEY: KEY } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(sections(cwd)).toHaveLength(4);
  });
});
