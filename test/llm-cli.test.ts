// Cost through the real CLI: an unknown price reads "cost unknown", never $0; --max-cost needs a price first.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const validJson = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
const { serve } = fakeServers();

const plan = (cwd: string, url: string, model: string, extra: string[] = []) =>
  runCli(['plan', 'Deploy the orchestrator', ...modelFlags(url, model), '--unattended', '-n', '1', '-c', '0', '--procedures', SHIPPED, ...extra], {
    cwd,
    env: { JUPITER_API_KEY: 'sk-test-cli-cost-000000' },
  });

describe('cost on screen', () => {
  it('a model with no known price shows "cost unknown"; a priced one shows dollars', async () => {
    const server = await serve(() => ({ content: validJson, usage: { prompt_tokens: 1000, completion_tokens: 100 } }));
    const unknown = await plan(tempDir('jupiter-cost-'), server.url, 'my-local-model');
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stdout).toMatch(/Iteration 1: .*1,100 tokens · cost unknown/);
    expect(unknown.stdout).not.toMatch(/\$0\.0000/);
    const priced = await plan(tempDir('jupiter-cost-'), server.url, 'gpt-4o-mini');
    expect(priced.stdout).toMatch(/Iteration 1: .*1,100 tokens · \$0\.0002/);
  });

  it('--max-cost with an unknown price is refused (exit 2) before anything starts; with prices in the config it runs', async () => {
    const server = await serve(() => ({ content: validJson, usage: { prompt_tokens: 1000, completion_tokens: 100 } }));
    const cwd = tempDir('jupiter-cost-');
    const r = await plan(cwd, server.url, 'my-local-model', ['--max-cost', '0.01']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'jupiter: --max-cost: no price is known for model my-local-model, so cost cannot be tracked: set prices: { input, output } (USD per 1M tokens) in jupiter.config.yaml, or drop --max-cost',
    );
    expect(readdirSync(cwd)).toEqual([]);
    expect(server.chatRequests()).toHaveLength(0);

    writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'prices: { input: 1, output: 2 }\n');
    const ok = await plan(cwd, server.url, 'my-local-model', ['--max-cost', '0.01']);
    expect(ok.code, ok.stderr).toBe(0);
    // 1000 × $1/M + 100 × $2/M = $0.0012
    expect(ok.stdout).toMatch(/1,100 tokens · \$0\.0012/);
  });
});
