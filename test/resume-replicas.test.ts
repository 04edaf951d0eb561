// A session started against several replicas (--base-url twice) keeps all of them, and resume uses them all.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './support/cli.js';
import { fakeServers } from './support/fake-openai.js';

const { serve } = fakeServers();
const VALID = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
const env = { JUPITER_API_KEY: 'sk-test-replicas-0001' };

describe('replicas across a resume', () => {
  it('stores every --base-url in the session and resumes against the same list', async () => {
    const [a, b] = [await serve([{ content: VALID }]), await serve([{ content: VALID }])];
    const cwd = tempDir('jupiter-replicas-');
    const r = await runCli(
      [
        'plan',
        'Deploy the orchestrator',
        '--provider',
        'custom',
        '--base-url',
        a.url,
        '--base-url',
        b.url,
        '--model',
        'test-model',
        '--unattended',
        '-n',
        '1',
        '-c',
        '0',
        '--candidates',
        '2',
      ],
      { cwd, env },
    );
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(cwd, 'memory', 'sessions');
    const file = path.join(dir, readdirSync(dir).find((n) => n.endsWith('.json'))!);
    const saved = parse(readFileSync(file, 'utf8')) as { settings: { baseUrl: string; baseUrls: string[] } };
    expect(saved.settings.baseUrls).toEqual([a.url, b.url]);
    // Two more iterations, each asking for two candidates: both replicas answer after the resume too.
    const state = JSON.parse(readFileSync(file, 'utf8')) as { status: string; settings: { iterations: number } };
    writeFileSync(file, JSON.stringify({ ...state, status: 'interrupted', settings: { ...state.settings, iterations: 3 } }));
    const before = [a.chatRequests().length, b.chatRequests().length];
    const resumed = await runCli(['resume', '--unattended'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(a.chatRequests().length).toBeGreaterThan(before[0]!);
    expect(b.chatRequests().length).toBeGreaterThan(before[1]!);
  });
});
