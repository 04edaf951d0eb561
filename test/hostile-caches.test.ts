// Caches jupiter derives (.jupiter/aggregates.json, .jupiter/endpoints.json) grown huge by hand or by an attack are not
// parsed (154 MB once cost 21 s and 870 MB on every run, and its junk was written back each time): they are rebuilt.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const MB = 1024 * 1024;
const PLAN = JSON.stringify({
  title: 'Deploy',
  summary: 's',
  steps: [{ action: 'open-change-ticket', owner: 'release-manager' }],
});

describe('a huge cache file', () => {
  it('aggregates.json of 20 MB (a forged fold and junk): summary counts from the log; the next run rebuilds it small', async () => {
    const cwd = tempDir('jupiter-cache-');
    const run = await runCli(['plan', 'Deploy the orchestrator', '-n', '2', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const file = path.join(cwd, 'memory', '.jupiter', 'aggregates.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { state: { iterations?: number } }>;
    const forged = { ...stored, summary: { ...stored.summary!, state: { ...stored.summary!.state, iterations: 999_999 } } };
    writeFileSync(file, JSON.stringify({ ...forged, junk: { version: 1, seq: 1, state: 'x'.repeat(20 * MB) } }));
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    expect((JSON.parse(summary.stdout) as { iterations: number }).iterations).toBe(2);
    const again = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(file).size).toBeLessThan(MB);
    expect(readFileSync(file, 'utf8')).not.toContain('junk');
  });

  it('endpoints.json of 2 MB is not read: its forged "text" mode for the server is not used', async () => {
    const cwd = tempDir('jupiter-cache-');
    const server = await serve(() => ({ content: PLAN }));
    mkdirSync(path.join(cwd, 'memory', '.jupiter'), { recursive: true });
    const file = path.join(cwd, 'memory', '.jupiter', 'endpoints.json');
    writeFileSync(file, JSON.stringify({ [`${server.url}|test-model`]: 'text', junk: 'x'.repeat(2 * MB) }));
    await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '1', '--procedures', SHIPPED], {
      cwd,
      env: { JUPITER_API_KEY: 'sk-test-hostile-caches' },
    });
    const [first] = server.chatRequests();
    expect(first?.body.response_format?.type).toBe('json_schema');
  });

  it('the same mode in a small endpoints.json is used (the cache still works)', async () => {
    const cwd = tempDir('jupiter-cache-');
    const server = await serve(() => ({ content: PLAN }));
    mkdirSync(path.join(cwd, 'memory', '.jupiter'), { recursive: true });
    writeFileSync(path.join(cwd, 'memory', '.jupiter', 'endpoints.json'), JSON.stringify({ [`${server.url}|test-model`]: 'text' }));
    await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '1', '--procedures', SHIPPED], {
      cwd,
      env: { JUPITER_API_KEY: 'sk-test-hostile-caches' },
    });
    const [first] = server.chatRequests();
    expect(first?.body.response_format).toBeUndefined();
  });
});
