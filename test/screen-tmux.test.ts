// A real terminal 80 columns wide (tmux): at the first checkpoint the run's first lines are all still there.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';
import { fakeServers, type Reply } from './support/fake-openai.js';

const { serve } = fakeServers();
const usage = { prompt_tokens: 100, completion_tokens: 50 };
const SLOW_PLAN: Reply = { content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))), usage };

/** The built-in planner's optimum for the goal: quicker than the example plan, so it takes the champion's place. */
async function fastPlan(): Promise<Reply> {
  const memory = tempDir('jupiter-80col-plan-');
  const r = await runCli(['plan', '--procedure', 'production-deployment/deploy-service', 'Deploy', '-n', '2', '-c', '0', '--unattended', '--memory', memory]);
  expect(r.code, r.stderr).toBe(0);
  const dir = path.join(memory, 'plans');
  const plans = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
  const steps = (p: string) => (JSON.parse(p) as { steps: unknown[] }).steps.length;
  return { content: plans.sort((a, b) => steps(b) - steps(a))[0]!, usage };
}

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-80col-${process.pid}`;
const { until } = tmuxScreen(session, 500);

describe.skipIf(!hasTmux)('a run at 80 columns', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('the goal match, session id and first iteration lines are still in scrollback at the first checkpoint', { timeout: 120_000 }, async () => {
    const cwd = tempDir('jupiter-80col-');
    // The example plan, then a quicker one (the example becomes a former champion), then the quicker one again.
    const fast = await fastPlan();
    const server = await serve((req) => (req.index === 0 ? SLOW_PLAN : fast));
    const model = `--provider custom --base-url ${server.url} --model test-model --patience 0`;
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 10 -c 5 ${model} --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 80, 24, cmd);

    const shown = await until(/Checkpoint · iteration 5\/10[\s\S]*What next\?/);
    const lines = shown.split('\n').map((l) => l.trimEnd());
    // Wrapped lines come back joined (capture -J): each is whole, none cut with an ellipsis.
    expect(lines).toContain(
      'procedure goal: production-deployment/deploy-service — Deploy a new version of a service to production (matched: deploy, orchestrator)',
    );
    expect(lines).toContain('jupiter · Deploy the orchestrator → production-deployment/deploy-service');
    expect(lines.filter((l) => /^session \d{8}-\d{6}-deploy-the-orchestrator-\w+$/.test(l))).toHaveLength(1);
    expect(shown).toMatch(/^planner: custom · test-model at \S+ · up to 10 iterations · checkpoint every 5 iterations$/m);
    expect(shown).toMatch(/^▲ Iteration 1: first valid plan · makespan .* · 150 tokens · cost unknown$/m);
    expect(shown).toMatch(/^▲ Iteration 2: better plan · ▲ makespan /m);
    expect(lines).toContain('· Iterations 3–5: valid, a plan already proposed (3 repeats)');
    // The alternatives the checkpoint lists are the set the closing report counts, by the same name.
    expect(shown).toMatch(/^ {2}Alternatives standing \(up to 3 other valid plans, former champions included\): iteration 1 \(makespan /m);
    expect(shown).not.toContain('…\n');

    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter'); // Stop
    const final = await until(/EXIT=\d+/);
    expect(final).toMatch(/EXIT=0/);
    // Still there after the prompt and the closing report.
    expect(final).toContain('jupiter · Deploy the orchestrator → production-deployment/deploy-service');
    expect(final).toMatch(/^▲ Iteration 1: first valid plan/m);
    expect(final).toContain('\nAlternatives standing (up to 3 other valid plans, former champions included): 1 (iteration 1)\n');
  });
});
