// Ctrl-C in a real terminal (tmux) while quiet outcomes wait to be folded into one counter line: they are printed
// before "Stopping after saving…", so no finished iteration reads as if it had finished after the stop.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, type Reply } from './support/fake-openai.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const { serve } = fakeServers();
const PLAN: Reply = {
  content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))),
  usage: { prompt_tokens: 100, completion_tokens: 50 },
};

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-stopfold-${process.pid}`;
const { until } = tmuxScreen(session, 500);

describe.skipIf(!hasTmux)('Ctrl-C with a folded line waiting', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('prints the waiting iteration lines before the stop message', { timeout: 60_000 }, async () => {
    const cwd = tempDir('jupiter-stopfold-');
    // The plan, the same plan again (a repeat: a quiet outcome, held for folding), then no answer until Ctrl-C.
    const server = await serve((req) => (req.index < 2 ? PLAN : { hang: true }));
    const model = `--provider custom --base-url ${server.url} --model test-model --patience 0`;
    const cmd = `cd ${cwd} && NO_COLOR=1 JUPITER_API_KEY=sk-test-stopfold-0042 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 5 -c 0 ${model} --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 80, 24, cmd);
    await until(/Iteration 3 · proposing/);
    tmux('send-keys', '-t', session, 'C-c');
    const screen = await until(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=130/);
    const repeat = screen.indexOf('Iteration 2: valid, a plan already proposed');
    const stop = screen.indexOf('Stopping after saving');
    expect(repeat, screen).toBeGreaterThan(-1);
    expect(repeat, screen).toBeLessThan(stop);
  });
});
