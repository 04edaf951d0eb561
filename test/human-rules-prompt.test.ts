// A human_rules.md of 10,000 lines: every rule is checked, but the prompt lists a capped share and says so (it once
// carried 1.17 M characters in every prompt).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsIn } from '../src/memory/log-file.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const { serve } = fakeServers();
const SCOPE = 'goal production-deployment/deploy-service';
const RULES = 10_000;

function rulesFile(): string {
  const lines = Array.from({ length: RULES }, (_, i) => `- at most ${100 + i} steps · ${SCOPE} · confirmed · "keep the plan under ${100 + i} steps"`);
  return ['# Human rules', '', '## production-deployment / deploy-service', '', ...lines, '', '<!-- jupiter: through log entry 0 -->', ''].join('\n');
}

describe('a 10,000-line human_rules.md', () => {
  it('the prompt lists a capped share of the rules and says how many it left out; the validator checks every one', async () => {
    const cwd = tempDir('jupiter-rules-prompt-');
    mkdirSync(path.join(cwd, 'memory'));
    writeFileSync(path.join(cwd, 'memory', 'human_rules.md'), rulesFile());
    // A plan of one step, under every limit: valid or not, the record says which rules were checked.
    const plan = JSON.stringify({ title: 't', summary: 's', steps: [{ action: 'open-change-ticket', owner: 'release-manager' }] });
    const server = await serve(() => ({ content: plan }));
    const r = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '1', '--procedures', SHIPPED], {
      cwd,
      env: { JUPITER_API_KEY: 'sk-test-rules-prompt' },
    });
    expect(r.stderr).not.toMatch(/human_rules\.md:\d+/);
    const [request] = server.chatRequests();
    const messages = (request?.body.messages ?? []) as { role: string; content: string }[];
    const prompt = messages.map((m) => m.content).join('\n');
    expect(prompt.length).toBeLessThan(80_000);
    const listed = prompt.match(/^- \[error\] human-[^\n]*at most \d+ steps/gm) ?? [];
    expect(listed.length).toBeGreaterThan(0);
    expect(prompt).toContain(`${RULES - listed.length} more of the ${RULES} rules set by people are not listed here`);
    const [rec] = recordsIn(readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8')).records;
    expect(rec?.checkedRules).toHaveLength(RULES);
  });
});
