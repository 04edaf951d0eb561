// Branch and replay (`resume <session> --from N --fork`): a new session whose state is the original's after iteration
// N, the original left byte for byte as it was; `sessions` shows the tree and `summary` of a fork where it branched.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JsonEventSchema } from '../src/cli/json-events.js';
import type { SessionState } from '../src/state/session.js';
import { forkLines } from '../src/cli/fork.js';
import { loadProcedures } from '../src/procedures/load.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';
import { spawnJson } from './support/spawn-events.js';

const GOAL = 'production-deployment/deploy-service';
const env = { JUPITER_API_KEY: 'sk-test-fork-key-0042', JUPITER_BACKOFF_MS: '5' };
const { serve } = fakeServers();

/** Two valid plans of the goal, as the built-in planner found them: `slow` (cheaper) first, then `fast` (quicker, dearer). */
let slow: string;
let fast: string;

beforeAll(async () => {
  const memory = tempDir('jupiter-fork-plans-');
  const r = await runCli(['plan', '--procedure', GOAL, 'Deploy the orchestrator', '-n', '2', '-c', '0', '--unattended', '--memory', memory]);
  expect(r.code, r.stderr).toBe(0);
  const [state] = sessionStates(memory);
  const first = state!.improvements[0]!.after;
  const plans = readdirSync(path.join(memory, 'plans')).map((f) => readFileSync(path.join(memory, 'plans', f), 'utf8'));
  expect(plans).toHaveLength(2);
  const byMakespan = plans.map((p) => ({ p, steps: (JSON.parse(p) as { steps: unknown[] }).steps.length }));
  // The first champion is the slower plan; the second beats it on makespan and costs more.
  expect(state!.champion!.score.makespan).toBeLessThan(first.makespan);
  expect(state!.champion!.score.cost).toBeGreaterThan(first.cost);
  const secondSteps = state!.champion!.score.steps;
  slow = byMakespan.find((x) => x.steps !== secondSteps)!.p;
  fast = byMakespan.find((x) => x.steps === secondSteps)!.p;
});

function sessionStates(memory: string): SessionState[] {
  const dir = path.join(memory, 'sessions');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SessionState);
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file the original session owns (its session file) and every plan file, by hash; and the log's text. */
function snapshot(memory: string, id: string) {
  const plans = path.join(memory, 'plans');
  return {
    session: sha(path.join(memory, 'sessions', `${id}.json`)),
    plans: Object.fromEntries(readdirSync(plans).map((f) => [f, sha(path.join(plans, f))])),
    log: readFileSync(path.join(memory, 'execution_log.md'), 'utf8'),
  };
}

/** The log's records of one session, as written (the machine-readable comment closing each section). */
const recordsIn = (log: string, id: string) =>
  [...log.matchAll(/<!-- jupiter:entry (.*) -->/g)]
    .map((m) => JSON.parse(m[1]!) as { type: string; session: string; iteration: number; outcome?: string; planId?: string })
    .filter((r) => r.session === id);

/**
 * An original session of six iterations: the slow plan three times, then the fast one three times. The same server
 * (the session keeps its endpoint) answers its forks with `later`.
 */
async function original(memory: string, later: () => string = () => fast) {
  const server = await serve((req) => ({ content: req.index < 3 ? slow : req.index < 6 ? fast : later() }));
  const r = await runCli(
    [
      'plan',
      '--procedure',
      GOAL,
      'Deploy the orchestrator',
      ...modelFlags(server.url),
      '-n',
      '6',
      '-c',
      '0',
      '--unattended',
      '--repairs',
      '0',
      '--memory',
      memory,
    ],
    { env },
  );
  expect(r.code, r.stderr).toBe(0);
  const [state] = sessionStates(memory);
  expect(state!.status).toBe('completed');
  expect(state!.champion!.iteration).toBe(4);
  return { state: state! };
}

describe('resume --from N --fork', () => {
  it("starts a new session from the original's champion as of N, and leaves every file of the original as it was", async () => {
    const memory = tempDir('jupiter-fork-');
    // The fork's planner proposes the slow plan again: a repeat of a plan the original had seen by iteration 3.
    const { state: parent } = await original(memory, () => slow);
    const before = snapshot(memory, parent.id);
    const r = await runCli(['resume', parent.id, '--from', '3', '--fork', '-n', '3', '--unattended', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const fork = sessionStates(memory).find((s) => s.id !== parent.id)!;
    expect(r.stdout).toContain(`Forked session ${fork.id} from ${parent.id} after iteration 3, starting from the champion of iteration 1`);
    // The closing counts are the fork's own, and say what the whole line did.
    expect(r.stdout).toMatch(/^3 iterations of this fork \(4–6\) · 0 improvements · 0 as good as the best · 0 worse · 3 repeats /m);
    expect(r.stdout).toContain(`(a fork of ${parent.id} after iteration 3: with its iterations the line has 6 iterations and 1 improvement)`);
    expect(fork).toMatchObject({ parent: parent.id, forkPoint: 3, status: 'completed', goalText: parent.goalText });
    // The champion as of iteration 3 (the slow plan of iteration 1), not the original's final one (iteration 4).
    expect(fork.champion!.iteration).toBe(1);
    expect(fork.champion!.planId).toBe(recordsIn(before.log, parent.id)[0]!.planId);
    expect(fork.champion!.planId).not.toBe(parent.champion!.planId);
    expect(fork.improvements.map((i) => i.iteration)).toEqual([1]);
    const own = recordsIn(readFileSync(path.join(memory, 'execution_log.md'), 'utf8'), fork.id);
    expect(own.filter((x) => x.type === 'iteration').map((x) => [x.iteration, x.outcome])).toEqual([4, 5, 6].map((i) => [i, 'repeat']));
    // The original: its session file and every plan file byte for byte; the log only grew after its records.
    const after = snapshot(memory, parent.id);
    expect(after.session).toBe(before.session);
    for (const [file, hash] of Object.entries(before.plans)) expect(after.plans[file], file).toBe(hash);
    expect(after.log.startsWith(before.log)).toBe(true);
    expect(recordsIn(after.log, parent.id)).toEqual(recordsIn(before.log, parent.id));
  });

  it("resumes a halted fork from its own state: the line's champion, its own iterations counted once", async () => {
    const memory = tempDir('jupiter-fork-resume-');
    let answer = 'I cannot help with that.';
    const { state: parent } = await original(memory, () => answer);
    // The fork's planner answers nothing usable: one failure in a row ends the unattended run (exit 3, resumable).
    const halted = await runCli(['resume', parent.id, '--from', '3', '--fork', '-n', '3', '--unattended', '--max-failures', '1', '--memory', memory], {
      env,
    });
    expect(halted.code, halted.stderr).toBe(3);
    const fork = sessionStates(memory).find((s) => s.id !== parent.id)!;
    expect(fork).toMatchObject({ status: 'paused', progress: { completed: 4, errors: 1 } });
    answer = slow;
    const resumed = await runCli(['resume', fork.id, '--unattended', '--memory', memory], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Counted as the fork's run counts: its own iterations, from its fork point.
    expect(resumed.stdout).toContain(`Resuming session ${fork.id} (paused after 1 of its own 3 iterations; a fork of ${parent.id} after iteration 3)…\n`);
    expect(resumed.stdout).toContain(`a fork of ${parent.id} after iteration 3 · resuming after iteration 4 (1 since the fork)\n`);
    const done = sessionStates(memory).find((s) => s.id === fork.id)!;
    // Its line's champion (the original's iteration 1); iterations 5 and 6 repeat it; the error stays counted once.
    expect(done.champion!.iteration).toBe(1);
    expect(done.progress).toMatchObject({ completed: 6, improved: 1, repeats: 4, errors: 1 });
  });

  it('re-judges the line under the objectives the fork is given', async () => {
    const memory = tempDir('jupiter-fork-objectives-');
    const { state: parent } = await original(memory);
    const r = await runCli(['resume', parent.id, '--from', '6', '--fork', '--objectives', 'cost,makespan', '--unattended', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const fork = sessionStates(memory).find((s) => s.id !== parent.id)!;
    // Under cost the slow plan of iteration 1 is the better one; the fast plan of iteration 4 stays as an alternative.
    expect(fork.settings.objectives).toEqual(['cost', 'makespan']);
    expect(fork.champion!.iteration).toBe(1);
    expect(fork.alternatives.map((a) => a.iteration)).toEqual([4]);
    expect(parent.settings.objectives).toBeUndefined();
    expect(sessionStates(memory).find((s) => s.id === parent.id)!.champion!.iteration).toBe(4);
    // The line's improvements are counted under the fork's objectives (the parent counted its own under makespan): said.
    expect(r.stdout).toMatch(new RegExp(`the line has \\d+ iterations and ${fork.progress.improved} improvements? under cost, makespan\\)\n`));
  });

  it("judges a fork's plans against the champion it branched with, in the run and in the summary", async () => {
    const memory = tempDir('jupiter-fork-judged-');
    // From iteration 5 the champion is the fast plan; the fork's planner offers a slower plan not seen before: worse,
    // where a fork judged from nothing would call it an improvement.
    const example = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
    const { state: parent } = await original(memory, () => example);
    const r = await runCli(['resume', parent.id, '--from', '5', '--fork', '-n', '1', '--unattended', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const fork = sessionStates(memory).find((s) => s.id !== parent.id)!;
    expect(fork.champion!.iteration).toBe(4);
    expect(fork.lastProposal).toMatchObject({ iteration: 6, outcome: 'worse' });
    const all = JSON.parse((await runCli(['summary', '--json', '--memory', memory])).stdout) as { learning: { improvements: number } };
    // The parent's two (iterations 1 and 4); the fork's sixth iteration improved nothing.
    expect(all.learning.improvements).toBe(2);
  });

  it('`sessions` shows the tree and `summary --session` of a fork where it branched', async () => {
    const memory = tempDir('jupiter-fork-tree-');
    const { state: parent } = await original(memory, () => slow);
    const first = await runCli(['resume', parent.id, '--from', '3', '--fork', '-n', '3', '--unattended', '--memory', memory], { env });
    expect(first.code, first.stderr).toBe(0);
    const fork = sessionStates(memory).find((s) => s.parent === parent.id)!;
    const second = await runCli(['resume', fork.id, '--from', '5', '--fork', '-n', '1', '--unattended', '--memory', memory], { env });
    expect(second.code, second.stderr).toBe(0);
    const grandchild = sessionStates(memory).find((s) => s.parent === fork.id)!;
    expect(grandchild.forkPoint).toBe(5);

    const listed = await runCli(['sessions', '--memory', memory]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^completed +${parent.id} .* 6/6 · success`));
    expect(lines[1]).toMatch(new RegExp(`^└ completed +${fork.id} .* 6/6 \\(3 of its own 3\\) · forked after iteration 3 · success 100% over its line ·`));
    expect(lines[2]).toMatch(
      new RegExp(`^  └ completed +${grandchild.id} .* 6/6 \\(1 of its own 1\\) · forked after iteration 5 · success 100% over its line ·`),
    );
    const json = JSON.parse((await runCli(['sessions', '--json', '--memory', memory])).stdout) as {
      sessions: { id: string; parent: string | null; forkPoint: number | null }[];
    };
    expect(json.sessions.map((s) => [s.id, s.parent, s.forkPoint]).sort()).toEqual(
      [
        [parent.id, null, null],
        [fork.id, parent.id, 3],
        [grandchild.id, fork.id, 5],
      ].sort(),
    );

    const summary = await runCli(['summary', '--session', fork.id, '--memory', memory]);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toContain(`Forked from ${parent.id} at iteration 3: iterations 1–3 below are ${parent.id}'s, the rest this fork's.`);
    // Six iterations: the parent's three (the slow plan, then two repeats) and the fork's three (repeats); the one
    // improvement, the first plan, is the parent's.
    expect(summary.stdout).toMatch(/^Iterations 6 in 2 sessions · approved 1 · worse 0 · repeats 5 /m);
    expect(summary.stdout).toMatch(/^Improvements 1 \(strict\)/m);
    expect(summary.stdout).toContain(`1 improvement of the goal's best plan · the last at iteration 1 of ${parent.id}`);
    const data = JSON.parse((await runCli(['summary', '--session', grandchild.id, '--json', '--memory', memory])).stdout) as {
      iterations: number;
      filter: { branch?: { parent: string; forkPoint: number; own?: unknown } };
    };
    // Where it branched, and its own one iteration (the sixth) as its run counted it.
    expect(data.filter.branch).toMatchObject({ parent: fork.id, forkPoint: 5, own: { progress: { completed: 1, repeats: 1 } } });
    // The parent's three, the fork's 4 and 5, and the grandchild's sixth.
    expect(data.iterations).toBe(6);
  });

  it('takes its own -n and --checkpoint: they apply to the fork, its header says what it inherited and what changed, its counts are its own', async () => {
    const memory = tempDir('jupiter-fork-flags-');
    const { state: parent } = await original(memory, () => slow);
    // From the end of a finished run: the fork runs iterations of its own (before, it inherited the line's end and ran none).
    const r = await runCli(['resume', parent.id, '--from', '6', '--fork', '-n', '4', '-c', '2', '--unattended', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const fork = sessionStates(memory).find((s) => s.id !== parent.id)!;
    expect(fork.settings).toMatchObject({ iterations: 10, checkpoint: 2 });
    expect(fork.progress.completed).toBe(10);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe(
      `  Inherited from ${parent.id}: the champion, plans seen and rules in force as of iteration 6, and its settings but --iterations 4 (was 6), --checkpoint 2 (was 0).`,
    );
    expect(lines[2]).toBe('  It runs 4 iterations of its own (iterations 7–10 of the line), a checkpoint every 2 of them.');
    expect(r.stdout).toContain(`session ${fork.id} · a fork of ${parent.id} after iteration 6\n`);
    expect(r.stdout).toContain('· up to 4 iterations of its own (7–10) · checkpoint every 2 iterations\n');
    // Checkpoints every 2 of the fork's iterations, counting the fork's own (the line had 6 iterations and 1 improvement before).
    const checkpoints = lines.filter((l) => l.startsWith('◆ Checkpoint'));
    expect(checkpoints.map((l) => l.replace(/ · \d[\d,]* tokens.*$/, ''))).toEqual([
      '◆ Checkpoint after iteration 8 (2 since the fork): 2 completed · 0 approved · 2 repeats · 0 failed · 0 rejected · 0 errors · success 100%',
      '◆ Checkpoint after iteration 10 (4 since the fork): 4 completed · 0 approved · 4 repeats · 0 failed · 0 rejected · 0 errors · success 100%',
    ]);
    expect(r.stdout).toMatch(/^Done\. This fork: 4 completed · 0 approved · 4 repeats /m);
    expect(r.stdout).toMatch(/^4 iterations of this fork \(7–10\) · 0 improvements · 0 as good as the best · 0 worse · 4 repeats /m);
    expect(r.stdout).toContain(`Champion (iteration 4, ${parent.id}'s, `);
    // Its unattended checkpoints are recorded in its own terms too (export lists the line's reviews, each with its session).
    const book = JSON.parse((await runCli(['export', fork.id, '--format', 'json', '--memory', memory])).stdout) as {
      reviews: { session: string; iteration: number; why: string }[];
    };
    expect(book.reviews.filter((x) => x.session === fork.id).map((x) => [x.iteration, x.why.replace(/^champion from iteration 4 \(.*?\); /, '')])).toEqual([
      [8, '0 improvements since the fork; 0 failed iterations since the fork'],
      [10, '0 improvements since the last checkpoint; 0 failed iterations since the fork'],
    ]);
    // The summary of the fork counts its own as its run did (the same fold), beside the line's.
    const done = /^Done\. This fork: (.*?) · \d[\d,]* tokens/m.exec(r.stdout)![1]!;
    const summary = await runCli(['summary', '--session', fork.id, '--memory', memory]);
    expect(summary.stdout).toContain(`\nThis fork's own iterations 7–10: ${done}\n`);

    // Without flags a fork inherits what its parent ran of its own, and says nothing was changed.
    const plain = await runCli(['resume', fork.id, '--from', '8', '--fork', '--unattended', '--memory', memory], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`the champion, plans seen and rules in force as of iteration 8, and its settings (none changed).`);
    expect(plain.stdout).toContain('It runs 4 iterations of its own (iterations 9–12 of the line), a checkpoint every 2 of them.');

    // A run flag only a fork takes, on a plain resume; a checkpoint larger than the inherited -n: one line, exit 2.
    const plainResume = await runCli(['resume', fork.id, '-n', '30', '--unattended', '--memory', memory], { env });
    expect([plainResume.code, plainResume.stderr]).toEqual([
      2,
      'jupiter: --iterations is for a fork (`jupiter resume <session> --from <n> --fork --iterations …`): a resumed session keeps the value it was started with\n',
    ]);
    const tooFar = await runCli(['resume', parent.id, '--from', '2', '--fork', '-c', '9', '--unattended', '--memory', memory], { env });
    expect([tooFar.code, tooFar.stderr]).toEqual([
      2,
      'jupiter: --checkpoint 9 (flag) is larger than --iterations 6 (inherited): use a value from 1 to 6, or 0 for no checkpoints\n',
    ]);
  });

  it('takes another model or endpoint: --model keeps the endpoint, --provider or --base-url replaces it; a plain resume refuses them', async () => {
    const memory = tempDir('jupiter-fork-model-');
    const first = await serve((req) => ({ content: req.index < 3 ? slow : fast }));
    const r0 = await runCli(
      ['plan', '--procedure', GOAL, 'Deploy', ...modelFlags(first.url), '-n', '3', '-c', '0', '--unattended', '--repairs', '0', '--memory', memory],
      { env },
    );
    expect(r0.code, r0.stderr).toBe(0);
    const [parent] = sessionStates(memory);
    const asked = first.chatRequests().length;

    // --model alone: the parent's server, asked for the other model, and the header says what changed.
    const r1 = await runCli(['resume', parent!.id, '--from', '3', '--fork', '-n', '1', '--model', 'bigger-model', '--unattended', '--memory', memory], { env });
    expect(r1.code, r1.stderr).toBe(0);
    const ownRequests = first.chatRequests().slice(asked);
    expect(ownRequests.length).toBeGreaterThan(0);
    expect(new Set(ownRequests.map((q) => q.body.model))).toEqual(new Set(['bigger-model']));
    expect(r1.stdout).toContain('  It runs 1 iteration of its own (iteration 4 of the line), no checkpoints.');
    expect(r1.stdout).toContain('and its settings but --iterations 1 (was 3), --model bigger-model (was test-model).');
    const withModel = sessionStates(memory).find((s) => s.parent === parent!.id)!;
    expect(withModel.settings).toMatchObject({ provider: 'custom', baseUrls: [first.url], model: 'bigger-model' });
    const summary = await runCli(['summary', '--session', withModel.id, '--memory', memory]);
    expect(summary.stdout).toMatch(/^This fork's own iteration 4: 1 completed /m);

    // Another --base-url: that server is asked, the parent's is not.
    const second = await serve(() => ({ content: slow }));
    const before = first.chatRequests().length;
    const r2 = await runCli(['resume', parent!.id, '--from', '3', '--fork', '-n', '1', '--base-url', second.url, '--unattended', '--memory', memory], { env });
    expect(r2.code, r2.stderr).toBe(0);
    expect(second.chatRequests().length).toBeGreaterThan(0);
    expect(first.chatRequests().length).toBe(before);
    expect(r2.stdout).toContain(`and its settings but --iterations 1 (was 3), --base-url ${second.url} (was ${first.url}).`);

    // --provider builtin: no endpoint at all (the parent's URL and model were its provider's, not inherited).
    const r3 = await runCli(['resume', parent!.id, '--from', '3', '--fork', '-n', '1', '--provider', 'builtin', '--unattended', '--memory', memory], { env });
    expect(r3.code, r3.stderr).toBe(0);
    expect(first.chatRequests().length).toBe(before);
    expect(r3.stdout).toContain(
      `and its settings but --iterations 1 (was 3), --provider builtin (was custom), --base-url the provider's (was ${first.url}), --model the provider's (was test-model).`,
    );
    const builtin = sessionStates(memory).find((s) => s.parent === parent!.id && s.settings.provider === 'builtin')!;
    expect(builtin.settings.baseUrls).toBeUndefined();
    expect(builtin.settings.model).toBeUndefined();

    // An unattended line can be forked to be attended again (--no-unattended): here, with no terminal, that is refused
    // before anything is saved; a fork given --unattended says so.
    const count = sessionStates(memory).length;
    const attended = await runCli(['resume', parent!.id, '--from', '3', '--fork', '-n', '1', '--no-unattended', '--memory', memory], { env });
    expect([attended.code, attended.stderr]).toEqual([
      2,
      'jupiter: no terminal to ask at checkpoints (stdin is not a TTY): pass --unattended to run without prompts\n',
    ]);
    expect(sessionStates(memory)).toHaveLength(count);

    // At a terminal it would run attended, and its first lines say what changed in words (a switch is on or off).
    const set = loadProcedures(SHIPPED).sets.find((x) => x.id === 'production-deployment')!;
    const lines = forkLines({ ...withModel, settings: { ...withModel.settings, unattended: false } }, parent!, { set, goal: set.goals[0]! });
    expect(lines[1]).toContain('--iterations 1 (was 3), --unattended off (was on), --model bigger-model (was test-model).');

    // A plain resume keeps the endpoint it was started with: one line, exit 2, nothing asked.
    const plain = await runCli(['resume', withModel.id, '--model', 'other', '--unattended', '--memory', memory], { env });
    expect([plain.code, plain.stderr]).toEqual([
      2,
      'jupiter: --model is for a fork (`jupiter resume <session> --from <n> --fork --model …`): a resumed session keeps the value it was started with\n',
    ]);
  });

  it("--json: session-started names the fork, checkpoint and finished carry its own counts beside the line's, in the published schema", async () => {
    const memory = tempDir('jupiter-fork-json-');
    const { state: parent } = await original(memory, () => slow);
    const r = await runCli(['resume', parent.id, '--from', '4', '--fork', '-n', '4', '-c', '2', '--unattended', '--json', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JsonEventSchema.parse(JSON.parse(l)));
    const started = events.find((e) => e.type === 'session-started')!;
    expect(started).toMatchObject({ fork: { parent: parent.id, at: 4 } });
    const checkpoints = events.filter((e) => e.type === 'checkpoint');
    expect(checkpoints.map((c) => [c.iteration, c.progress.completed, c.own?.progress.completed, c.own?.progress.repeats])).toEqual([
      [6, 6, 2, 2],
      [8, 8, 4, 4],
    ]);
    const finished = events.at(-1)!;
    if (finished.type !== 'finished') throw new Error(`last event: ${finished.type}`);
    // The line's counts (six iterations of the parent's, four of its own) and the fork's own, which the person's screen shows.
    expect([finished.progress.completed, finished.own?.progress.completed, finished.own?.progress.improved]).toEqual([8, 4, 0]);
    expect(finished.own!.usage.promptTokens).toBeLessThan(finished.usage.promptTokens);
    expect(finished.own!.usage.promptTokens).toBeGreaterThan(0);
    // A session that is not a fork carries none of it.
    const plainStart = JSON.parse(
      (await runCli(['plan', '--procedure', GOAL, 'Deploy', '-n', '1', '-c', '0', '--unattended', '--json', '--memory', memory])).stdout.split('\n')[0]!,
    ) as Record<string, unknown>;
    expect(plainStart.type).toBe('session-started');
    expect(plainStart).not.toHaveProperty('fork');
  });

  it('names one set of alternatives: the plans standing besides the champion, former champions included, listed and counted alike', async () => {
    const memory = tempDir('jupiter-fork-alternatives-');
    const server = await serve((req) => ({ content: req.index < 1 ? slow : fast }));
    const r = await runCli(
      ['plan', '--procedure', GOAL, 'Deploy', ...modelFlags(server.url), '-n', '3', '-c', '0', '--unattended', '--repairs', '0', '--memory', memory],
      {
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const [state] = sessionStates(memory);
    // The slow plan was champion at iteration 1, the fast one took its place at 2: the slow one still stands.
    expect(state!.alternatives.map((a) => a.iteration)).toEqual([1]);
    expect(r.stdout).toContain('\nAlternatives standing (up to 3 other valid plans, former champions included): 1 (iteration 1)\n');
    // No iteration tied the champion: that count is named for what it is, not "alternatives".
    expect(r.stdout).toMatch(/^3 iterations · 2 improvements \(last at iteration 2\) · 0 as good as the best · 0 worse · 1 repeat /m);
  });

  it('takes a session by a part of its id no other session shares (its start or its last part), as git takes a commit', async () => {
    const memory = tempDir('jupiter-fork-abbrev-');
    const { state: parent } = await original(memory, () => slow);
    const suffix = parent.id.split('-').at(-1)!;
    const r = await runCli(['resume', suffix, '--from', '2', '--fork', '-n', '1', '--unattended', '--memory', memory], { env });
    expect(r.code, r.stderr).toBe(0);
    const fork = sessionStates(memory).find((x) => x.parent === parent.id)!;
    expect(r.stdout).toContain(`Forked session ${fork.id} from ${parent.id} after iteration 2`);
    // export and summary take the same abbreviations, and print the whole id.
    const csv = await runCli(['export', fork.id.split('-').at(-1)!, '--format', 'csv', '--memory', memory]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain(`${fork.id}, a fork of session ${parent.id} after iteration 2`);
    // A start of its id no other session shares (made in the same second, the two ids differ only in their last part).
    let d = 0;
    while (parent.id[d] === fork.id[d]) d++;
    const summary = await runCli(['summary', '--session', fork.id.slice(0, d + 1), '--memory', memory]);
    expect(summary.stdout).toContain(`Scope: session ${fork.id}\n`);
    // A part both share (the start of their ids: the date) is refused, naming both; a part neither has is no session.
    let k = 0;
    while (parent.id[k] === fork.id[k]) k++;
    const date = parent.id.slice(0, Math.min(k, 8));
    expect(date.length).toBeGreaterThan(0);
    const ambiguous = await runCli(['resume', date, '--from', '1', '--fork', '--unattended', '--memory', memory], { env });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(new RegExp(`^jupiter: session "${date}" is ambiguous: it matches .*${parent.id}.*; give more of the id\\n$`));
    expect(ambiguous.stderr).toContain(fork.id);
    const none = await runCli(['export', 'zzzz', '--memory', memory]);
    expect([none.code, none.stderr]).toEqual([2, `jupiter: no session "zzzz" in ${path.join(memory, 'sessions')}: see \`jupiter sessions\`\n`]);
  });

  it("Ctrl-C in a fork says how many of the fork's own iterations ran, beside the line's", async () => {
    const memory = tempDir('jupiter-fork-interrupt-');
    const { state: parent } = await original(memory, () => slow);
    const run = spawnJson(['resume', parent.id, '--from', '3', '--fork', '-n', '1000000', '--patience', '0', '--unattended', '--memory', memory], {
      cwd: memory,
      env,
    });
    await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 5);
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    const said = /^Interrupted after (\d+) iterations? of this fork \(the line: (\d+)\); memory is up to date\./m.exec(run.stderr());
    expect(said, run.stderr()).not.toBeNull();
    const [own, line] = [Number(said![1]), Number(said![2])];
    expect(own).toBeGreaterThanOrEqual(2);
    expect(line).toBe(own + 3);
    const fork = sessionStates(memory).find((x) => x.parent === parent.id)!;
    expect(fork.progress.completed).toBe(line);
  });

  it('refuses, in one line with exit 2, what cannot be forked', async () => {
    const memory = tempDir('jupiter-fork-errors-');
    const { state: parent } = await original(memory);
    const before = snapshot(memory, parent.id);
    const cases: [string[], RegExp][] = [
      [
        [parent.id, '--from', '7', '--fork'],
        new RegExp(`^jupiter: --from 7: session ${parent.id} ran 6 iterations: fork from an iteration between 0 and 6\\n$`),
      ],
      [[parent.id, '--from', '-1', '--fork'], /^jupiter: --from must be zero or more, got -1\n$/],
      [[parent.id, '--from', '2'], /^jupiter: --from needs --fork: going back to an iteration makes a new session and leaves the original as it is\n$/],
      [[parent.id, '--fork'], /^jupiter: --fork needs --from <n>: /],
      [['--from', '2', '--fork'], /^jupiter: --fork needs the session to branch: /],
      [['no-such-session', '--from', '2', '--fork'], /^jupiter: no session "no-such-session" in .*: see `jupiter sessions`\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['resume', ...args, '--unattended', '--memory', memory], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(sessionStates(memory).map((s) => s.id)).toEqual([parent.id]);
    expect(snapshot(memory, parent.id)).toEqual(before);
  });
});
