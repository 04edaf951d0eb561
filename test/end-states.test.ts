// Honest end states: no valid plan is never exit 0, a killed run is `interrupted`, a cost cap is raised on resume,
// and an unattended run checks its endpoint before iteration 1.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { runReport } from '../src/cli/run-report.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { type Planner, PlannerError } from '../src/planners/types.js';
import { BIN, ROOT, runCli, tempDir } from './support/cli.js';
import { runDeploySession, ScriptedReviewer } from './support/deploy-session.js';
import { fakeServers, modelFlags, type Reply } from './support/fake-openai.js';
import { spawnJson } from './support/spawn-events.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const VALID = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as { steps: { action: string }[] };
const validJson = JSON.stringify(VALID);
const invalidJson = JSON.stringify({ ...VALID, steps: VALID.steps.filter((s) => s.action !== 'run-tests') });
const KEY = 'sk-test-end-states-key-0042';
const env = { JUPITER_API_KEY: KEY, JUPITER_BACKOFF_MS: '5' };
const { serve, forget } = fakeServers();
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** The terminal's text once `pattern` shows on it (test/support/tmux.ts: polled, failing once the command has ended). */
const untilScreen = (term: string, pattern: RegExp) => tmuxScreen(term, 200).until(pattern);

const plan = (cwd: string, url: string, extra: string[]) =>
  runCli(['plan', 'Deploy the orchestrator', ...modelFlags(url), '--unattended', '--repairs', '0', ...extra], { cwd, env });
const sessions = async (cwd: string) =>
  (JSON.parse((await runCli(['sessions', '--json'], { cwd })).stdout) as { sessions: { id: string; status: string; haltReason: string | null }[] }).sessions;

describe('a run that ends with no valid plan', () => {
  it('exits 1 when the planner never produced a usable plan, whatever --max-failures says; no "see lessons.md"', async () => {
    const server = await serve([{ content: 'I cannot help with that.' }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-failures', '5']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^jupiter: no valid plan: the planner never produced a usable plan \(3 planner errors\)/m);
    expect(r.stdout).not.toContain('see lessons.md');
    expect(r.stdout).toContain('3 planner errors (check the endpoint with `jupiter doctor`)');
    expect((await sessions(cwd))[0]!.status).toBe('failed');
  });

  it('exits 3 when its plans kept failing validation, also when --max-failures ends it first', async () => {
    const server = await serve([{ content: invalidJson }]);
    const cwd = tempDir();
    const r = await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-failures', '5']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no valid plan: 3 plans failed validation; all 3 iterations ran/);
    expect(r.stdout).toContain('3 plans that failed validation (see lessons.md)');
    const early = await plan(tempDir(), server.url, ['-n', '10', '-c', '0', '--max-failures', '2']);
    expect(early.code, early.stderr).toBe(3);
    expect(early.stderr).toMatch(/halted for human review: 2 failed iterations in a row \(--max-failures 2\)/);
  });

  it('resume of a session whose iterations all ran says there is nothing left and how to go on (exit 2, nothing run)', async () => {
    const server = await serve([{ content: invalidJson }]);
    const cwd = tempDir();
    expect((await plan(cwd, server.url, ['-n', '2', '-c', '0', '--max-failures', '5'])).code).toBe(3);
    const [s] = await sessions(cwd);
    const requests = server.chatRequests().length;
    const again = await runCli(['resume', '--unattended'], { cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `jupiter: session ${s!.id} ran all its 2 iterations (no valid plan: 2 plans failed validation; all 2 iterations ran): nothing is left to resume; to go on, fork it with more: \`jupiter resume ${s!.id} --from 2 --fork -n <more>\`\n`,
    );
    expect(again.stdout).toBe('');
    expect(server.chatRequests()).toHaveLength(requests);
  });

  it('a run with a valid plan still exits 0', async () => {
    const server = await serve([{ content: validJson }]);
    const r = await plan(tempDir(), server.url, ['-n', '2', '-c', '0']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the built-in planner finding nothing new within its budget', () => {
  /** The built-in planner, whose search finds nothing new after `plans` plans (as on a large imported problem). */
  const exhaustedAfter = (plans: number): Planner => {
    const builtin = new BuiltinPlanner();
    return {
      name: 'builtin',
      propose: (req) =>
        req.iteration <= plans
          ? builtin.propose(req)
          : Promise.reject(new PlannerError('budget', 'no plan beyond those already proposed or rejected: weighted A* found none shorter than 12 steps')),
    };
  };
  const continuing = new ScriptedReviewer(() => ({ kind: 'continue' }));

  it('with a champion standing ends the run as a search that is done (completed, exit 0), not a failure', async () => {
    const dir = path.join(tempDir('jupiter-exhausted-'), 'memory');
    const run = await runDeploySession(dir, 's1', { iterations: 5, checkpoint: 0, reviewer: continuing, planner: exhaustedAfter(1) });
    await run.memory.close();
    expect([run.exit, run.state.status, run.state.progress.completed]).toEqual(['patience', 'completed', 2]);
    expect(run.message).toMatch(/^the planner found no new plan \(no plan beyond those already proposed/);
    // The closing report points at the planner's own message, not at an endpoint the built-in planner does not have.
    const report = runReport(run.state, null, ['makespan', 'cost', 'steps'], new Chalk({ level: 0 })).join('\n');
    expect(report).toContain("Needs a person: 1 planner error (the built-in planner's: see the iteration lines)");
    expect(report).not.toContain('doctor');
  });

  it('with no plan at all the run fails, as a planner that never produced a plan does', async () => {
    const dir = path.join(tempDir('jupiter-exhausted-'), 'memory');
    const run = await runDeploySession(dir, 's1', { iterations: 5, checkpoint: 0, reviewer: continuing, planner: exhaustedAfter(0) });
    await run.memory.close();
    expect([run.exit, run.state.status]).toEqual(['failed', 'failed']);
  });
});

describe('a run whose every valid plan was one a person had rejected before', () => {
  it('ends paused for a person (exit 3 unattended), saying so, not "the planner never produced a usable plan"', async () => {
    const dir = path.join(tempDir('jupiter-rejected-before-'), 'memory');
    // Session 1: the person rejects the first plan at its checkpoint.
    const first = await runDeploySession(dir, 's1', { iterations: 1, checkpoint: 1, reviewer: new ScriptedReviewer(() => ({ kind: 'reject', reason: 'no' })) });
    const plan = (await first.memory.planOf({ planId: first.state.rejectedChampion!.planId, session: 's1', iteration: 1 }))!;
    await first.memory.close();
    // Session 2: a planner that answers that plan again, every time.
    const again: Planner = { name: 'again', propose: async () => ({ plan, mode: 'fixed', promptChars: 0 }) };
    const second = await runDeploySession(dir, 's2', {
      iterations: 3,
      checkpoint: 0,
      reviewer: new ScriptedReviewer(() => ({ kind: 'continue' })),
      planner: again,
    });
    await second.memory.close();
    expect(second.state.progress).toMatchObject({ completed: 3, rejectedBefore: 3, failed: 0, errors: 0 });
    expect([second.exit, second.state.status]).toEqual(['halted', 'paused']);
    expect(second.message).toMatch(/^no plan stands: the 3 valid plans proposed were ones a person had rejected before; /);
  });
});

describe('a session killed with -9', () => {
  it('is listed as interrupted (its lock has no live holder), not running; resume says so and goes on', async () => {
    // The first answer never comes (the run is killed waiting for it); the resumed run gets valid plans.
    const server = await serve((req) => (req.index === 0 ? { hang: true } : { content: validJson }));
    const cwd = tempDir();
    const child = spawnJson(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '3', '-c', '0'], { cwd, env });
    await child.waitFor((e) => e.type === 'iteration-started');
    // While it runs, it is running.
    expect((await sessions(cwd))[0]!.status).toBe('running');
    child.child.kill('SIGKILL');
    await child.exited;
    const [s] = await sessions(cwd);
    expect(s!.status).toBe('interrupted');
    expect(s!.haltReason).toMatch(/ended without saving/);
    expect((await runCli(['sessions'], { cwd })).stdout).toMatch(/^interrupted /m);
    // Its file still says `running` (as saved before the kill): resume names it for what it is.
    const resumed = await runCli(['resume', s!.id, '--unattended'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`^Resuming session ${s!.id} \\(interrupted: the process running it ended without saving; it goes on from what the log committed\\)…$`, 'm'),
    );
    expect((await sessions(cwd))[0]!.status).toBe('completed');
  });
});

describe('a session halted at --max-cost', () => {
  const priced = (cwd: string) => writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'prices:\n  test-model: { input: 1, output: 2, cachedInput: 0.5 }\n');
  const costly: Reply = { content: validJson, usage: { prompt_tokens: 2_000_000, completion_tokens: 500_000, cached_tokens: 1_000_000 } };

  it('resume without a terminal says how to raise the cap (exit 2, nothing run); with a higher cap it goes on', async () => {
    const server = await serve([costly]);
    const cwd = tempDir();
    priced(cwd);
    const first = await plan(cwd, server.url, ['-n', '4', '-c', '0', '--max-cost', '6']);
    expect(first.code).toBe(3);
    const id = (await sessions(cwd))[0]!.id;
    // The halt names the command that goes on (a bare resume would be refused), with the cap resume suggests.
    expect(first.stderr).toContain(`State saved; to go on, raise the cap: \`jupiter resume ${id} --max-cost 12\`.`);
    expect(first.stderr).not.toContain(`resume with \`jupiter resume ${id}\``);
    const requests = server.chatRequests().length;
    const again = await runCli(['resume', id, '--unattended'], { cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^jupiter: session ${id} stopped at its cost cap \\(\\$5\\.0000 spent of its --max-cost \\$6.*--max-cost 12\``));
    expect(server.chatRequests()).toHaveLength(requests);
    const raised = await runCli(['resume', id, '--unattended', '--max-cost', '20'], { cwd, env });
    expect(raised.code, raised.stderr).toBe(0);
    expect(server.chatRequests().length).toBe(requests + 2);
  });

  it("caps a fork's own spend, not its parent's: it runs from its fork point and halts when its own next iteration would pass", async () => {
    const server = await serve([costly]);
    const cwd = tempDir();
    priced(cwd);
    // The parent spends $5 of its $6 in two iterations and halts (exit 3).
    expect((await plan(cwd, server.url, ['-n', '4', '-c', '0', '--max-cost', '6'])).code).toBe(3);
    const id = (await sessions(cwd))[0]!.id;
    // A fork from its end inherits the $6 cap: it has spent nothing, so it runs; after its own $5 the next would pass $6.
    const fork = await runCli(['resume', id, '--from', '2', '--fork', '-n', '3', '--unattended'], { cwd, env });
    expect(fork.code, fork.stderr).toBe(3);
    expect(fork.stdout).toMatch(/^Session paused after iteration 4 \(2 since the fork\)\. This fork: 2 completed .* · \$5\.0000$/m);
    expect(fork.stderr).toMatch(
      /^jupiter: halted for human review: cost budget: \$5\.0000 spent by this fork of \$6; the next iteration \(~\$2\.5000\) would exceed --max-cost\./m,
    );
    // Resumed without a higher cap: refused, in its own terms.
    const forkId = (await sessions(cwd)).find((s) => s.id !== id)!.id;
    const again = await runCli(['resume', forkId, '--unattended'], { cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^jupiter: session ${forkId} stopped at its cost cap \\(\\$5\\.0000 spent by this fork of its --max-cost \\$6,`));
  });

  it.skipIf(!hasTmux)('resume at a terminal (tmux) asks for a new cap and runs with it', async () => {
    const server = await serve([costly]);
    const cwd = tempDir();
    priced(cwd);
    expect((await plan(cwd, server.url, ['-n', '3', '-c', '0', '--max-cost', '6'])).code).toBe(3);
    const id = (await sessions(cwd))[0]!.id;
    const term = `jupiter-cap-${process.pid}`;
    const cmd = `cd ${cwd} && NO_COLOR=1 JUPITER_API_KEY=${KEY} ${process.execPath} ${BIN} resume ${id}; echo "EXIT=$?"`;
    try {
      typeInNewTerminal(term, 120, 40, cmd);
      const asked = await untilScreen(term, /max-cost in USD/);
      expect(asked).toMatch(/reached its cost cap \(\$5\.0000 spent of its --max-cost \$6/);
      tmux('send-keys', '-t', term, '-l', '9');
      tmux('send-keys', '-t', term, 'Enter');
      expect(await untilScreen(term, /EXIT=\d+/)).toMatch(/EXIT=0/);
      expect(server.chatRequests()).toHaveLength(3);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', term]);
    }
  });
});

describe('an unattended run checks its endpoint before iteration 1', () => {
  it('an endpoint nobody listens on fails at once with one line (exit 1), before any iteration', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const cwd = tempDir();
    const r = await plan(cwd, `http://127.0.0.1:${port}/v1`, ['-n', '3', '-c', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^jupiter: endpoint check failed before iteration 1: http:\/\/127\.0\.0\.1:\d+\/v1: connection failed/);
    expect(r.stdout).not.toMatch(/Iteration 1/);
  });

  it('a provider that needs a key and has none: the missing key is said (exit 2), before any request', async () => {
    const server = await serve([{ content: validJson }]);
    const cwd = tempDir();
    const r = await runCli(
      [
        'plan',
        '--procedure',
        'production-deployment/deploy-service',
        'Deploy',
        '--provider',
        'openai',
        '--base-url',
        server.url,
        '--model',
        'test-model',
        '-n',
        '1',
        '--unattended',
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^jupiter: --provider openai needs an API key: set JUPITER_API_KEY or OPENAI_API_KEY\n$/);
    expect(server.requests).toHaveLength(0);
  });

  it('a fork whose endpoint is gone is not made: one line naming its next iteration (exit 1), no session saved', async () => {
    const server = await serve([{ content: validJson }]);
    const cwd = tempDir();
    expect((await plan(cwd, server.url, ['-n', '2', '-c', '0'])).code).toBe(0);
    forget(server);
    await server.close();
    const [parent] = await sessions(cwd);
    const r = await runCli(['resume', parent!.id, '--from', '1', '--fork', '--unattended'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^jupiter: endpoint check failed before iteration 2: http:\/\/127\.0\.0\.1:\d+\/v1: connection failed[^\n]*\n$/);
    expect(r.stdout).toBe('');
    expect((await sessions(cwd)).map((x) => x.id)).toEqual([parent!.id]);
  });
});
