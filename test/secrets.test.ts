// A known fake key never reaches memory, stdout or stderr — not even when the server echoes it back in an error.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, SHIPPED, tempDir, type CliResult, filesUnder } from './support/cli.js';
import { startFakeOpenAI, type Reply, fakeServers } from './support/fake-openai.js';

const JUPITER_KEY = 'sk-live-FAKE-0123456789abcdef';
// Not shaped like an `sk-` key, so only jupiter knowing the variable can hide it.
const FIREWORKS_KEY = 'fwk_FAKE_9876543210fedcba_live';

const validJson = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
const ok: Reply = { content: validJson, usage: { prompt_tokens: 100, completion_tokens: 50 } };

/** Error replies that echo the key back: in the message, and as the Authorization header the server "received". */
const echo500 = (key: string): Reply => ({
  status: 500,
  body: { error: { message: `internal error while handling request with key ${key} (Authorization: Bearer ${key})`, type: 'server_error', code: null } },
});
const echo401 = (key: string): Reply => ({
  status: 401,
  headers: { 'x-echo-authorization': `Bearer ${key}` },
  body: {
    error: {
      message: `Incorrect API key provided: ${key}. Header was "Authorization: Bearer ${key}"`,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      authorization: `Bearer ${key}`,
    },
  },
});

const { serve, track } = fakeServers();

/** The key, and every 10-character piece of it (a truncated or split key is still a leak). */
function leaks(text: string, key: string): string[] {
  const found: string[] = [];
  if (text.includes(key)) found.push(key);
  for (let i = 0; i + 10 <= key.length; i++) {
    const piece = key.slice(i, i + 10);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

function expectNoKey(text: string, key: string, where: string): void {
  const l = leaks(text, key);
  expect(l, `${where} leaks the key (${l.join(', ')}): ${text.slice(0, 2000)}`).toEqual([]);
}

function expectCleanFolder(cwd: string, key: string): void {
  const files = filesUnder(cwd);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expectNoKey(readFileSync(f).toString('latin1'), key, f);
}

function expectCleanOutput(r: CliResult, key: string, what: string): void {
  expectNoKey(r.stdout, key, `${what} stdout`);
  expectNoKey(r.stderr, key, `${what} stderr`);
}

interface Variant {
  name: string;
  key: string;
  env: (key: string) => Record<string, string>;
  flags: (url: string) => string[];
  /** The header the server must have received (the key was really used). */
  header: string;
}

const VARIANTS: Variant[] = [
  {
    name: 'JUPITER_API_KEY, --provider custom',
    key: JUPITER_KEY,
    env: (k) => ({ JUPITER_API_KEY: k }),
    flags: (url) => ['--provider', 'custom', '--base-url', url, '--model', 'test-model'],
    header: `Bearer ${JUPITER_KEY}`,
  },
  {
    name: 'FIREWORKS_API_KEY, --provider fireworks',
    key: FIREWORKS_KEY,
    env: (k) => ({ FIREWORKS_API_KEY: k }),
    flags: (url) => ['--provider', 'fireworks', '--base-url', url, '--model', 'test-model'],
    header: `Bearer ${FIREWORKS_KEY}`,
  },
];

for (const v of VARIANTS) {
  describe(`the API key stays secret (${v.name})`, () => {
    const env = { ...v.env(v.key), JUPITER_BACKOFF_MS: '20' };
    const plan = (cwd: string, url: string, extra: string[]) =>
      runCli(['plan', 'Deploy the orchestrator', ...v.flags(url), '--unattended', '--procedures', SHIPPED, ...extra], { cwd, env });

    it('a session that recovers from a 500 echoing the key: the key is in no file and no output (human and --json)', async () => {
      const server = await serve((req) => (req.index === 0 ? echo500(v.key) : ok));
      const cwd = tempDir('jupiter-secret-');
      const r = await plan(cwd, server.url, ['-n', '3', '-c', '2']);
      expect(r.code, r.stderr).toBe(0);
      expect(server.chatRequests()[0]!.headers.authorization).toBe(v.header);
      expectCleanOutput(r, v.key, 'plan');

      const j = await plan(cwd, server.url, ['-n', '2', '-c', '0', '--json']);
      expect(j.code, j.stderr).toBe(0);
      expectCleanOutput(j, v.key, 'plan --json');
      for (const args of [['sessions'], ['sessions', '--json'], ['summary'], ['summary', '--json']]) {
        const s = await runCli(args, { cwd, env });
        expect(s.code, s.stderr).toBe(0);
        expectCleanOutput(s, v.key, args.join(' '));
      }
      expectCleanFolder(cwd, v.key);
    });

    it('a server that keeps failing with the key in its message: exit 1, the reason logged and saved without the key', async () => {
      const server = await serve([echo500(v.key)]);
      const cwd = tempDir('jupiter-secret-');
      const r = await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-failures', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^jupiter: 1 failed iteration in a row \(--max-failures 1\); last: server: /);
      expectCleanOutput(r, v.key, 'plan');
      const j = await plan(cwd, server.url, ['-n', '2', '-c', '0', '--json', '--max-failures', '1']);
      expect(j.code).toBe(1);
      expectCleanOutput(j, v.key, 'plan --json');
      expect(readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8')).toContain('planner error: server:');
      // Resume fails the same way, and says nothing secret either.
      const resumed = await runCli(['resume', '--unattended', '--max-failures', '1'], { cwd, env });
      expect(resumed.code).toBe(1);
      expectCleanOutput(resumed, v.key, 'resume');
      const s = await runCli(['sessions'], { cwd, env });
      expectCleanOutput(s, v.key, 'sessions');
      expectCleanFolder(cwd, v.key);
    });

    it('a 401 that echoes the Authorization header: exit 1, nothing secret anywhere', async () => {
      const server = await serve([echo401(v.key)]);
      const cwd = tempDir('jupiter-secret-');
      const r = await plan(cwd, server.url, ['-n', '2', '-c', '0']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expectCleanOutput(r, v.key, 'plan');
      const j = await plan(cwd, server.url, ['-n', '2', '-c', '0', '--json']);
      expect(j.code).toBe(1);
      expectCleanOutput(j, v.key, 'plan --json');
      expectCleanFolder(cwd, v.key);
    });

    it('a model that echoes the key inside its plan: the plan is kept, the key is not (memory, output, events)', async () => {
      const p = parse(validJson) as { title: string; summary: string; steps: { description?: string; evidence?: string }[] };
      p.title = `Deploy with key ${v.key}`;
      p.summary = `Authorization: Bearer ${v.key}`;
      p.steps[0]!.description = `log in with ${v.key}`;
      p.steps[1]!.evidence = `https://ci.example.com/?token=${v.key}`;
      const server = await serve([{ content: JSON.stringify(p) }]);
      const cwd = tempDir('jupiter-secret-');
      const r = await plan(cwd, server.url, ['-n', '2', '-c', '0']);
      expect(r.code, r.stderr).toBe(0);
      expectCleanOutput(r, v.key, 'plan');
      const j = await plan(cwd, server.url, ['-n', '1', '-c', '0', '--json']);
      expect(j.code, j.stderr).toBe(0);
      expectCleanOutput(j, v.key, 'plan --json');
      // The second prompt (which shows the current plan back to the model) carries no key either, except in the header.
      for (const q of server.chatRequests()) expectNoKey(JSON.stringify(q.body), v.key, 'request body');
      expect(readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8')).toContain('Deploy with key [redacted]');
      expectCleanFolder(cwd, v.key);
    });

    it('doctor, against a working server and against one that echoes the key in 401 and 500 errors', async () => {
      const cwd = tempDir('jupiter-secret-');
      const good = await serve([{ content: '{"ok": true}' }]);
      for (const json of [[], ['--json']]) {
        const d = await runCli(['doctor', ...v.flags(good.url), ...json], { cwd, env });
        expect(d.code, d.stdout + d.stderr).toBe(0);
        expectCleanOutput(d, v.key, `doctor ${json.join(' ')}`);
      }
      expect(good.requests.some((q) => q.headers.authorization === v.header)).toBe(true);

      const refusing = await serve([echo401(v.key)]);
      for (const json of [[], ['--json']]) {
        const d = await runCli(['doctor', ...v.flags(refusing.url), ...json], { cwd, env });
        expect(d.code).toBe(1);
        expectCleanOutput(d, v.key, `doctor (401) ${json.join(' ')}`);
      }
      const failing = await serve([echo500(v.key)]);
      for (const json of [[], ['--json']]) {
        const d = await runCli(['doctor', ...v.flags(failing.url), ...json], { cwd, env });
        expect(d.code).toBe(1);
        expect(d.stdout + d.stderr).toMatch(/500/);
        expectCleanOutput(d, v.key, `doctor (500) ${json.join(' ')}`);
      }
      // A long message that a shortened report would cut in the middle of the key.
      for (let pad = 180; pad <= 200; pad += 4) {
        const cutting = await serve([{ status: 500, body: { error: { message: `${'x'.repeat(pad)}${v.key} trailing words after the key` } } }]);
        const d = await runCli(['doctor', ...v.flags(cutting.url), '--json'], { cwd, env });
        expect(d.code).toBe(1);
        expectCleanOutput(d, v.key, `doctor (500, key at ${pad})`);
      }
      // doctor writes nothing to the folder.
      expect(readdirSync(cwd)).toEqual([]);
    });
  });
}

describe('a model listing that echoes the key', () => {
  it('doctor prints the model list without the key', async () => {
    const server = await startFakeOpenAI([{ content: '{"ok": true}' }], { models: [`model-for-${JUPITER_KEY}`, 'other'] });
    track(server);
    const cwd = tempDir('jupiter-secret-');
    for (const json of [[], ['--json']]) {
      const d = await runCli(['doctor', '--provider', 'custom', '--base-url', server.url, '--model', 'test-model', ...json], {
        cwd,
        env: { JUPITER_API_KEY: JUPITER_KEY },
      });
      expect(d.code, d.stdout + d.stderr).toBe(0);
      expectCleanOutput(d, JUPITER_KEY, `doctor ${json.join(' ')}`);
    }
  });
});

describe('credentials in --base-url are refused before anything starts (#15.3)', () => {
  const PASS = 'hunter2-FAKE-url-password';
  for (const url of [`http://alice:${PASS}@127.0.0.1:9/v1`, `http://127.0.0.1:9/v1?api_key=${PASS}`]) {
    it(`plan and doctor refuse ${url.replace(PASS, '…')} with one line pointing at JUPITER_API_KEY; nothing is written`, async () => {
      const cwd = tempDir('jupiter-secret-url-');
      for (const args of [
        ['plan', 'Deploy the orchestrator', '--unattended', '-n', '1', '--procedures', SHIPPED],
        ['doctor'],
        ['plan', 'Deploy the orchestrator', '--unattended', '-n', '1', '--json', '--procedures', SHIPPED],
      ]) {
        const r = await runCli([...args, '--base-url', url, '--model', 'test-model'], { cwd });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^jupiter: --base-url: .*refused.*JUPITER_API_KEY/);
        expectCleanOutput(r, PASS, args[0]!);
      }
      // The environment variable is refused the same way.
      const e = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1', '--procedures', SHIPPED], {
        cwd,
        env: { JUPITER_BASE_URL: url, JUPITER_MODEL: 'test-model' },
      });
      expect(e.code).toBe(2);
      expect(e.stderr).toMatch(/^jupiter: JUPITER_BASE_URL: /);
      expectCleanOutput(e, PASS, 'plan (env)');
      expect(readdirSync(cwd)).toEqual([]);
    });
  }
});
