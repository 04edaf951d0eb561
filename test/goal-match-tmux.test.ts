// A goal that matches no procedure, at a real terminal (tmux): one question offers drafting procedures; the
// step-by-step scaffold writes a set; the run goes on with it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-goal-${process.pid}`;
const { until } = tmuxScreen(session, 300);

const answer = async (prompt: RegExp, text = '') => {
  await until(prompt);
  if (text) tmux('send-keys', '-t', session, '-l', text);
  tmux('send-keys', '-t', session, 'Enter');
};

describe.skipIf(!hasTmux)('a goal no procedure matches, at a terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('"Project Jupiter": one question, drafting offered first, the scaffold writes a set, the run uses it', { timeout: 300_000 }, async () => {
    const cwd = tempDir('jupiter-tmux-goal-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Project Jupiter" -n 2 -c 0; echo "EXIT=$?"`;
    typeInNewTerminal(session, 200, 60, cmd);

    const question = await until(/No procedure goal matches "Project Jupiter"\. What now\?/);
    expect(question).toMatch(/❯ Draft new procedures for this goal \(jupiter procedures new\)/);
    tmux('send-keys', '-t', session, 'Enter');
    await answer(/Id of the new procedure set/); // default: project-jupiter
    await answer(/What must be true when the work is done\?/); // default: project-jupiter-done
    await answer(/What is already true before the first step\?/);
    await answer(/Step 1: action id/, 'kickoff');
    await answer(/kickoff: what must be true before it\?/);
    await answer(/kickoff: what is true after it\?/); // default: the goal fact still missing
    await answer(/kickoff: who usually does it\?/, 'sponsor');
    await answer(/kickoff: how long does it take\?/, '2h');
    await answer(/Step 2: action id \(blank to finish\)/);
    await answer(/Steps every plan must include/);
    await answer(/Two steps that must be done by different people/);
    await answer(/Write .*project-jupiter\.yaml\?/);
    // One step is the shortest plan there is: the run converges and asks once, at its final checkpoint.
    await answer(/Checkpoint · iteration \d\/2 \(final\)[\s\S]*What next\?/); // Finish

    const final = await until(/EXIT=\d+/);
    expect(final).toMatch(/EXIT=0/);
    expect(final).toContain('procedure goal: project-jupiter/project-jupiter — Project Jupiter (drafted now, project-jupiter.yaml)');
    expect(final).toContain('Done. 1 completed · 1 approved');
    const yaml = readFileSync(path.join(cwd, 'procedures', 'project-jupiter.yaml'), 'utf8');
    expect(yaml).toContain('id: kickoff');
    expect(yaml).toContain('provides: [ project-jupiter-done ]');
  });
});
