// The owner-text bypass through the model path: a model's plan where one person approves and deploys, spelled two
// ways, fails validation (never approved, never champion), through the real openai client and a local server.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers } from './support/fake-openai.js';

const { serve } = fakeServers();

function bypass(): Plan {
  const plan = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as Plan;
  for (const s of plan.steps) {
    if (s.action === 'approve-release') s.owner = 'Priya Nair (release-manager)';
    if (s.action === 'deploy-production') s.owner = 'Priya Nair (deployment-engineer)';
  }
  return plan;
}

describe('the model path', () => {
  it('a plan where "Priya Nair (release-manager)" approves and "Priya Nair (deployment-engineer)" deploys fails validation', async () => {
    const server = await serve(() => ({ content: JSON.stringify(bypass()), usage: { prompt_tokens: 10, completion_tokens: 10 } }));
    const cwd = tempDir();
    const r = await runCli(
      ['plan', 'Deploy the orchestrator', '--provider', 'custom', '--base-url', server.url, '--model', 'test-model', '--unattended'].concat([
        '-n',
        '2',
        '-c',
        '0',
        '--repairs',
        '0',
        '--max-failures',
        '1',
        '--procedures',
        SHIPPED,
      ]),
      { cwd, env: { JUPITER_API_KEY: 'sk-test-0000' } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/plan failed validation/);
    const log = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    expect(log).toContain('approver-is-not-deployer');
    expect(log).not.toMatch(/first valid plan|improved/);
    // The prompt told the model what the owner field decides.
    const system = JSON.stringify(server.chatRequests()[0]!.body);
    expect(system).toContain("is who does the step: the action's role");
  });
});
