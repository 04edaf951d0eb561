// "best of K" counts the plans the iteration chose among: an answer that held no usable plan is not one of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const PLAN = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));

describe('best of K with an unusable answer among them', () => {
  it('says how many plans it chose among, and how many answers were unusable', async () => {
    // Three candidates ask at once (requests 0-2); one gets no plan at all, and again when it asks once more (request 3).
    const server = await serve((req) => ({ content: req.index === 1 || req.index === 3 ? 'no plan here' : PLAN }));
    const r = await runCli(
      [
        'plan',
        '--procedure',
        'production-deployment/deploy-service',
        'Deploy',
        ...modelFlags(server.url),
        '-n',
        '1',
        '-c',
        '0',
        '--unattended',
        '--candidates',
        '3',
        '--repairs',
        '0',
      ],
      { cwd: tempDir('jupiter-best-of-'), env: { JUPITER_API_KEY: 'sk-test-best-of-0042' } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Iteration 1: first valid plan · .* \(best of 2; 1 of 3 answers unusable\)/);
    expect(r.stdout).not.toContain('(best of 3)');
  });
});
