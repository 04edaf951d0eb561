// `jupiter doctor` through the real built CLI (run `npx tsc -p tsconfig.json` first) against a real local OpenAI-compatible server.
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../src/config/providers.js';
import { resolveConfig } from '../src/config/resolve.js';
import { UsageError } from '../src/core/errors.js';
import { createPlanner, describePlanner } from '../src/planners/factory.js';
import { runCli, tempDir } from './support/cli.js';
import type { CliResult } from './support/cli.js';
import { startFakeOpenAI } from './support/fake-openai.js';
import type { FakeOpenAI, Reply } from './support/fake-openai.js';

const KEY = 'sk-fake-doctor-key-999';
const OK: Reply = { content: '{"ok": true}' };

let servers: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(reply: Reply, models?: string[]): Promise<FakeOpenAI> {
  const server = await startFakeOpenAI([reply], models ? { models } : {});
  servers.push(server);
  return server;
}

function doctor(url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['doctor', '--provider', 'custom', ...extra], {
    cwd: tempDir(),
    env: { JUPITER_BASE_URL: url, JUPITER_MODEL: 'test-model', JUPITER_API_KEY: KEY, ...env },
  });
}

function noKey(r: CliResult): void {
  expect(r.stdout + r.stderr).not.toContain(KEY);
}

describe('jupiter doctor', () => {
  it('reports a healthy endpoint: key, reachable, model listed, json_schema', async () => {
    const server = await serve(OK, ['other-model', 'test-model']);
    const r = await doctor(server.url);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ API key\s+set in JUPITER_API_KEY/);
    expect(r.stdout).toMatch(/✔ server reachable\s+.*answered in \d+ ms/);
    expect(r.stdout).toMatch(/✔ model listed\s+test-model listed/);
    expect(r.stdout).toMatch(/✔ structured output\s+json_schema works/);
    expect(r.stdout).toMatch(/✔ latency\s+tiny request answered in \d+ ms/);
    // test-model: no tokenizer, no price, and doctor says so.
    expect(r.stdout).toMatch(/! token counts\s+estimated: jupiter has no tokenizer for test-model/);
    expect(r.stdout).toMatch(/! price\s+unknown: cost is shown as unknown and --max-cost is refused/);
    noKey(r);
    const chat = server.chatRequests();
    expect(chat).toHaveLength(1);
    expect(chat[0]!.body.response_format?.type).toBe('json_schema');
    expect(chat[0]!.body.max_tokens).toBeLessThanOrEqual(32);
    expect(chat[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('says when token counts are exact and what the model costs', async () => {
    const server = await serve(OK, ['gpt-4o-mini']);
    const r = await doctor(server.url, [], { JUPITER_MODEL: 'gpt-4o-mini' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ token counts\s+exact \(o200k_base tokenizer\)/);
    expect(r.stdout).toMatch(/✔ price\s+\$0\.15 in \/ \$0\.6 out per 1M tokens \(\$0\.075 cached\)/);
  });

  it('steps down to json_object when the server rejects json_schema', async () => {
    const server = await serve({ rejectResponseFormat: 'json_schema', then: OK }, ['test-model']);
    const r = await doctor(server.url);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ structured output\s+json_object works \(json_schema rejected\)/);
    expect(server.chatRequests().map((q) => q.body.response_format?.type)).toEqual(['json_schema', 'json_object']);
    noKey(r);
  });

  it('falls back to plain text when both structured modes are rejected', async () => {
    const server = await serve({ rejectResponseFormat: 'both', then: OK }, ['test-model']);
    const r = await doctor(server.url, ['--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { usable: boolean; mode: string };
    expect(report).toMatchObject({ usable: true, mode: 'text' });
  });

  it('says which models are available when the model is not listed', async () => {
    const server = await serve(OK, ['alpha', 'beta', 'gamma']);
    const r = await doctor(server.url);
    expect(r.stdout).toMatch(/model listed\s+test-model not listed: available: alpha, beta, gamma/);
    // The server still answered the tiny request, so the endpoint is usable.
    expect(r.code).toBe(0);
    noKey(r);
  });

  it('truncates a long model list', async () => {
    const server = await serve(OK, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const r = await doctor(server.url);
    expect(r.stdout).toContain('available: m1, m2, m3, m4, m5, … (2 more)');
  });

  it('exits 1 with one clear line when the server refuses connections', async () => {
    const server = await startFakeOpenAI([OK]);
    const url = server.url;
    await server.close();
    const r = await doctor(url);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ server reachable/);
    expect(r.stderr.trim().split('\n')).toEqual([`jupiter: server unreachable at ${url}: start the server or set --base-url / JUPITER_BASE_URL`]);
    expect(r.stdout + r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    noKey(r);
  });

  it('prints one JSON object with --json, also on failure', async () => {
    const server = await startFakeOpenAI([OK]);
    const url = server.url;
    await server.close();
    const r = await doctor(url, ['--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { usable: boolean; hint: string; checks: { name: string; status: string }[] };
    expect(report.usable).toBe(false);
    expect(report.hint).toContain('server unreachable');
    expect(report.checks.find((c) => c.name === 'server reachable')?.status).toBe('fail');
  });

  it('exits 1 naming the key variable when the server refuses the key', async () => {
    const server = await serve({ status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    // /v1/models answers 200 in the fake; the refusal comes on the chat request.
    const r = await doctor(server.url, [], { JUPITER_MODEL: 'fake-model' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused the API key from JUPITER_API_KEY');
    noKey(r);
  });

  it('exits 2 naming OPENAI_API_KEY when --provider openai has no key', async () => {
    const r = await runCli(['doctor', '--provider', 'openai'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('OPENAI_API_KEY');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('obeys its time limit when a server stalls after sending headers (connect to last byte)', async () => {
    const server = await serve({ stallAfterHeaders: true }, ['test-model']);
    const r = await doctor(server.url, [], { JUPITER_TIMEOUT_MS: '400' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ structured output\s+a tiny json_schema request failed: no complete answer within 400 ms/);
    expect(r.stderr).toContain(`no answer from ${server.url} within 400 ms`);
    noKey(r);
  });

  it('strips control characters and escape sequences from what a server says', async () => {
    const hostile = 'bad model \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u0000';
    const server = await serve({ status: 404, body: { error: { message: hostile } } }, ['test-model', `evil\u001b[2Jmodel`]);
    const r = await doctor(server.url, [], { JUPITER_MODEL: 'other' });
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain('bad model');
    expect(out).toContain('red');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    noKey(r);
  });

  it('checks every replica given with a repeated --base-url, and fails when one is down', async () => {
    const good = await serve(OK, ['test-model']);
    const dead = await startFakeOpenAI([OK]);
    const deadUrl = dead.url;
    await dead.close();
    const r = await runCli(['doctor', '--provider', 'custom', '--base-url', good.url, '--base-url', deadUrl, '--model', 'test-model'], {
      cwd: tempDir(),
      env: { JUPITER_API_KEY: KEY },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(2 replicas)');
    expect(r.stdout).toMatch(/✔ structured output\s+json_schema works/);
    expect(r.stdout).toMatch(/✖ server reachable/);
    expect(r.stderr).toContain(`server unreachable at ${deadUrl}`);
  });

  it('refuses credentials in the base URL before contacting anything (exit 2), without echoing them', async () => {
    for (const url of ['http://user:hunter2pass@127.0.0.1:9/v1', 'http://127.0.0.1:9/v1?api_key=hunter2pass']) {
      const r = await runCli(['doctor', '--provider', 'custom', '--base-url', url, '--model', 'm'], { cwd: tempDir() });
      expect(r.code, url).toBe(2);
      expect(r.stderr).toContain('--base-url: ');
      expect(r.stderr).toContain('JUPITER_API_KEY');
      expect(r.stdout + r.stderr).not.toContain('hunter2pass');
    }
  });

  it('reports the built-in planner when no endpoint is configured', async () => {
    const r = await runCli(['doctor'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('built-in procedure planner');
    expect(r.stdout).toContain('none configured');
    const json = await runCli(['doctor', '--json'], { cwd: tempDir() });
    expect(JSON.parse(json.stdout)).toMatchObject({ provider: 'builtin', usable: true });
  });
});

describe('createPlanner / describePlanner', () => {
  const cwd = tempDir();
  it('builds the built-in planner without an endpoint', async () => {
    const config = resolveConfig({ flags: {}, env: {}, cwd });
    expect((await createPlanner(config)).name).toBe('builtin');
    expect(describePlanner(config)).toBe('built-in procedure planner (no endpoint configured)');
  });

  it('refuses a key-requiring provider without a key, naming its variable', async () => {
    const config = resolveConfig({ flags: { provider: 'fireworks' }, env: {}, cwd });
    await expect(createPlanner(config)).rejects.toThrow(new UsageError('--provider fireworks needs an API key: set JUPITER_API_KEY or FIREWORKS_API_KEY'));
  });

  it('builds an OpenAI-compatible planner named after provider and model', async () => {
    const config = resolveConfig({ flags: { provider: 'fireworks' }, env: { FIREWORKS_API_KEY: 'fw-test-key-for-factory' }, cwd });
    const planner = await createPlanner(config);
    expect(planner.name).toBe(`fireworks:${PROVIDERS.fireworks!.defaultModel}`);
    expect(describePlanner(config)).toBe(`fireworks · ${PROVIDERS.fireworks!.defaultModel} at ${PROVIDERS.fireworks!.baseUrl}`);
  });
});
