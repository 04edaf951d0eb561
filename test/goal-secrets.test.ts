// A key pasted into the goal never reaches the disk: not the log, the session file, the index, the prompt nor the
// session's id (issue 23: it was written everywhere, and lowercased into the id).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/core/secrets.js';
import { filesUnder, ROOT, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const PLAN = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
/** The configured key (not shaped like one: only knowing the variable finds it), and three shaped like keys. */
const ENV_KEY = 'corp-deploy-credential-Zq81x';
const SHAPED = ['sk-proj-Ab12Cd34Ef56Gh78Ij90', '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c', 'QWxhZGRpbjpvcGVuIHNlc2FtZQ9xYz7Wq2Lk4Rt8Pm3'];

/** Every text file under `dir`, with its path, as one string. */
function everything(dir: string): string {
  return filesUnder(dir)
    .map((f) => `${f}\n${readFileSync(f, 'utf8')}`)
    .join('\n');
}

describe('a key in the goal text', () => {
  it('is redacted before the session is named and before any write (log, session, index, prompt)', async () => {
    const cwd = tempDir();
    const server = await serve(() => ({ content: PLAN }));
    const goal = `Deploy the orchestrator using ${ENV_KEY} and ${SHAPED.join(' then ')}`;
    const r = await runCli(
      ['plan', goal, ...modelFlags(server.url), '--procedure', 'production-deployment/deploy-service', '--unattended', '--iterations', '2'],
      {
        cwd,
        env: { JUPITER_API_KEY: ENV_KEY },
      },
    );
    expect(r.code).toBe(0);
    const written = everything(path.join(cwd, 'memory'));
    const prompts = server.chatRequests().map((q) => JSON.stringify(q.body));
    expect(prompts.length).toBeGreaterThan(0);
    for (const secret of [ENV_KEY, ...SHAPED]) {
      for (const text of [written, written.toLowerCase(), ...prompts, r.stdout, r.stderr]) expect(text).not.toContain(secret.toLowerCase());
    }
    expect(r.stderr).toContain('the goal held text shaped like a key');
    // What the goal said otherwise is kept.
    expect(written).toContain('Deploy the orchestrator using [redacted] and [redacted]');
  });

  it('leaves ordinary words, ids, dates and URLs alone', () => {
    for (const text of [
      'Deploy production-deployment/deploy-service-with-rollback-2024 by 2026-12-06',
      'Evidence at https://ci.example.com/orchestrator/2.4/build-artifact',
      'Rotate the credentials of the payments-gateway-eu-west-1-primary cluster',
    ])
      expect(redactSecrets(text)).toBe(text);
  });
});
