// Runs a session from the command line: wires memory, planner, reviewer, progress UI and Ctrl-C to the engine,
// and maps how the run ended to an exit code. Shared by `plan` and `resume`.
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import { ExitCode, JupiterError, RuntimeFailure, UsageError } from '../core/errors.js';
import { catchUp } from '../engine/catch-up.js';
import { withHumanRules } from '../feedback/target.js';
import { forkBase, forksAbove, rulesInForce } from '../engine/fork.js';
import type { ForkBase, ForkPoint } from '../state/lineage.js';
import { raiseCapCommand } from './cost-cap.js';
import type { Lock } from '../core/fs/lock.js';
import { type RunResult, runSession } from '../engine/loop.js';
import type { Reviewer, SessionState } from '../engine/types.js';
import { type Memory, FILES, RUN_FLUSH_EVERY } from '../memory/store.js';
import { SessionStore } from '../engine/sessions.js';
import { sessionSummary } from '../state/summary.js';
import { createFeedbackReader, createPlanner, describePlanner } from '../planners/factory.js';
import type { PlanTarget } from '../procedures/types.js';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';
import type { Cli, InStream, StopSignal } from './io.js';
import { humanRenderer, jsonRenderer, type Renderer } from './progress.js';
import { plural } from './format.js';
import { PromptReviewer } from './reviewer.js';
import { summaryLines } from './summary-view.js';
import { runReport } from './run-report.js';
import { guardTerminal } from './terminal-guard.js';
import { objectivesOf } from '../procedures/quality.js';

/** Never called: an unattended run records checkpoints and halts on failures without asking. */
const unattendedReviewer: Reviewer = {
  checkpoint: () => Promise.reject(new Error('unattended runs do not prompt')),
  failure: () => Promise.reject(new Error('unattended runs do not prompt')),
  confirmReading: () => Promise.reject(new Error('unattended runs do not prompt')),
  patience: () => Promise.reject(new Error('unattended runs do not prompt')),
};

/** Signals that stop a run after saving. SIGHUP is a closed terminal: the run must not be left `running`. */
const STOP_SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit code a shell reports for a process ended by `signal` (SIGINT 130, SIGTERM 143, SIGHUP 129). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 2);
}

export function requireTerminalOrUnattended(cli: Cli, unattended: boolean): void {
  if (!unattended && !cli.io.stdin.isTTY) {
    throw new UsageError('no terminal to ask at checkpoints (stdin is not a TTY): pass --unattended to run without prompts');
  }
}

export interface RunOptions {
  config: ResolvedConfig;
  state: SessionState;
  target: PlanTarget;
  memory: Memory;
  /** The session's lock when the caller already holds it (resume takes it before saying anything). */
  lock?: Lock;
  /** The endpoint was checked already (a fork is checked before it is saved). */
  reached?: boolean;
  /** Where a fork's own counts start, when the caller has read it already (resume's cost cap does): not read again. */
  forkBase?: ForkBase | undefined;
}

/**
 * Ctrl-C, `kill` and a closed terminal all stop the run the same way: finish saving, release the lock, and exit
 * 128 + the signal's number (130, 143, 129), as shells report a process a signal ended. A second signal forces
 * the process down (when the caller allows it): whatever was committed is on disk already (the log is the commit point).
 */
function stopOnSignal(
  cli: Cli,
  controller: AbortController,
  interactive: boolean,
  beforeStop: () => void,
): { stoppedBy: () => StopSignal | undefined; input: InStream; release: () => void } {
  let stoppedBy: StopSignal | undefined;
  const stop = (signal: StopSignal) => {
    // A hang-up may leave the terminal gone: the process must not touch it on its way out (see CliIo.terminalGone).
    if (signal === 'SIGHUP') cli.io.terminalGone?.();
    if (stoppedBy) {
      if (cli.io.forceExit) {
        cli.err('\nForced stop.');
        cli.io.forceExit(signalExitCode(signal));
      }
      return;
    }
    stoppedBy = signal;
    // Lines already due (quiet outcomes held for folding) come first: every one of them finished before the stop.
    if (signal !== 'SIGHUP') beforeStop();
    cli.err(`\nStopping after saving… (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to force)`);
    controller.abort();
  };
  const listeners = STOP_SIGNALS.map((signal) => {
    const onSignal = () => stop(signal);
    cli.io.signals.on(signal, onSignal);
    return { signal, onSignal };
  });
  // A terminal that goes away at a prompt (EIO, the end of stdin) is a hang-up: stop as SIGHUP does, once.
  const terminal = interactive ? guardTerminal(cli, () => stop('SIGHUP')) : undefined;
  return {
    stoppedBy: () => stoppedBy,
    input: terminal?.input ?? cli.io.stdin,
    release: () => {
      for (const { signal, onSignal } of listeners) cli.io.signals.off(signal, onSignal);
      terminal?.release();
    },
  };
}

async function rendererFor(cli: Cli, config: ResolvedConfig, unattended: boolean, fork: ForkBase | undefined): Promise<Renderer> {
  if (config.json) return jsonRenderer((text) => void cli.io.stdout.write(text), { fork });
  const live = cli.tty ? (await import('./live-status.js')).liveStatus(cli) : null;
  return humanRenderer(cli, { plannerLabel: describePlanner(config), unattended, fork, notesFollowed: config.provider !== 'builtin' }, live);
}

function reviewerFor(
  cli: Cli,
  config: ResolvedConfig,
  state: SessionState,
  target: PlanTarget,
  memory: Memory,
  render: Renderer,
  controller: AbortController,
  forks: ReadonlyMap<string, ForkPoint>,
  input: InStream,
  fork: ForkBase | undefined,
): Reviewer {
  if (state.settings.unattended) return unattendedReviewer;
  return new PromptReviewer({
    beforePrompt: () => render.pause(),
    onInterrupt: () => controller.abort(),
    // SIGTERM or SIGHUP while a prompt waits: the prompt gives up, the question stays pending for the resume.
    signal: controller.signal,
    target,
    notesFollowed: config.provider !== 'builtin',
    // At a checkpoint the summary is about this session and goal.
    summary: async () =>
      summaryLines(await sessionSummary(memory, { session: state.id, procedure: state.procedure, goalId: state.goalId, forks }), cli.color, cli.columns),
    input,
    fork,
    // Prompts never go into stdout's --json events.
    output: config.json ? cli.io.stderr : cli.promptOutput,
    color: cli.color,
  });
}

/** How the run ended, as an exit code and at most one closing line (the renderer has shown the totals already). */
function closing(cli: Cli, result: RunResult, id: string, json: boolean, stoppedBy: StopSignal | undefined, fork: ForkBase | undefined): number {
  const { completed } = result.state.progress;
  const ran = completed >= result.state.settings.iterations;
  // A resume of a session whose iterations all ran would end the same way at once (or run nothing, after a stop at
  // its final checkpoint): say what would help instead.
  const hint =
    !ran || !['halted', 'failed', 'stopped'].includes(result.exit)
      ? `resume with \`jupiter resume ${id}\``
      : result.exit === 'failed'
        ? result.state.settings.provider === 'builtin'
          ? 'check the procedures with `jupiter procedures`, or plan with a model (--provider), then start a new run'
          : 'check the endpoint with `jupiter doctor`, then start a new run'
        : result.exit === 'halted'
          ? 'see lessons.md and the procedures, then start a new run'
          : `all its iterations ran: to go on from here, fork it (\`jupiter resume ${id} --from ${completed} --fork -n <more>\`)`;
  switch (result.exit) {
    case 'completed':
      return ExitCode.ok;
    case 'converged':
      // The event line and the closing report have said so already.
      return ExitCode.ok;
    case 'patience':
      // "Early" only when iterations were left.
      if (!json) cli.out(`Ended${ran ? '' : ' early'}: ${safeText(result.message ?? result.exit, true)}.`);
      return ExitCode.ok;
    case 'stopped':
      if (!json) cli.out(`Memory is up to date; ${hint}.`);
      return ExitCode.ok;
    case 'interrupted': {
      // A fork counts its own, as its checkpoints and closing lines do.
      const done = fork ? `${plural(completed - fork.forkPoint, 'iteration')} of this fork (the line: ${completed})` : plural(completed, 'iteration');
      cli.err(`Interrupted after ${done}; memory is up to date. To continue, ${hint}.`);
      return stoppedBy ? signalExitCode(stoppedBy) : ExitCode.interrupted;
    }
    case 'halted': {
      // At its cost cap a bare resume is refused (or asks): the halt names the command that goes on.
      const raise = raiseCapCommand(result.state, fork);
      // A person's rejection left no plan after the last iteration: more iterations are a fork away, not a new run.
      const rejected = ran && !result.state.champion && result.state.rejectedChampion;
      const more = `to go on, fork it with more: \`jupiter resume ${id} --from ${completed} --fork -n <more>\``;
      const next = raise ? `to go on, raise the cap: \`${raise}\`` : rejected ? more : hint;
      cli.err(`jupiter: halted for human review: ${safeText(redactSecrets(result.message ?? ''), true)}. State saved; ${next}.`);
      return ExitCode.halted;
    }
    case 'failed':
      throw new RuntimeFailure(`${result.message ?? 'the run failed'}. State saved; ${hint}`);
  }
}

/** What catching up found, and the lines a hand edit broke: said as warnings (everything readable is used). */
function warnSkipped(emit: Renderer, caughtUp: string[], memory: RunOptions['memory']): void {
  for (const message of caughtUp) emit({ type: 'warning', message });
  for (const skipped of memory.skippedLines())
    emit({ type: 'warning', message: `${skipped.file}:${skipped.line}: skipped an unreadable line (${skipped.text})` });
}

export async function runFromCli(cli: Cli, { config, state, target, memory, lock: held, reached, forkBase: known }: RunOptions): Promise<number> {
  // One durable append per iteration: the session file and derived memory files follow at checkpoints and exit.
  const store = new SessionStore(path.join(memory.dir, FILES.sessions), { saveEvery: RUN_FLUSH_EVERY, maxAgeMs: 1000 });
  const lock = held ?? (await store.lock(state.id));
  const controller = new AbortController();
  let render: Renderer | undefined;
  const signals = stopOnSignal(cli, controller, !state.settings.unattended, () => render?.pause());
  try {
    // Nobody is there to read a failure per iteration: an endpoint that is not there ends the run before it starts.
    if (state.settings.unattended && !reached) await (await import('./endpoint-check.js')).requireReachable(config, state.progress.completed + 1);
    const forks = await forksAbove(state, (id) => store.load(id));
    // The champion is re-checked under the rules in force, a person's hand edits to human_rules.md included.
    // A fork keeps the session rules its line had made by the point where it branched.
    const humanRules = await rulesInForce(memory, state, forks);
    const fork = known ?? (await forkBase(state, memory, forks));
    const rules = await humanRules({ procedure: state.procedure, goalId: state.goalId, session: state.id });
    const caughtUp = await catchUp(state, memory, withHumanRules(target, rules), forks);
    const planner = await createPlanner(config, { modeCachePath: path.join(memory.dir, FILES.internal, 'endpoints.json'), session: state.id });
    render = await rendererFor(cli, config, state.settings.unattended, fork);
    const reviewer = reviewerFor(cli, config, state, target, memory, render, controller, forks, signals.input, fork);
    const emit = render;
    warnSkipped(emit, caughtUp, memory);
    // Rejections are read into rules (by the model when one is configured) and the human rules in scope are checked.
    const feedbackReader = await createFeedbackReader(config);
    const result = await runSession(state, {
      planner,
      target,
      memory,
      store,
      reviewer,
      emit,
      signal: controller.signal,
      feedbackReader,
      humanRules,
      // With --json nobody sees a reading to confirm it: it is kept, unconfirmed, for this session only.
      confirmReadings: !config.json,
      fork,
    });
    render.pause();
    if (!config.json)
      for (const line of runReport(result.state, result.champion, result.state.settings.objectives ?? objectivesOf(target), cli.color, fork)) cli.out(line);
    return closing(cli, result, state.id, config.json, signals.stoppedBy(), fork);
  } catch (err) {
    if (err instanceof JupiterError) throw err;
    throw new RuntimeFailure(`${err instanceof Error ? err.message : String(err)} (session ${state.id} saved)`, { cause: err });
  } finally {
    // Whatever the renderer holds goes out before the closing lines, whichever way the run ended.
    render?.pause();
    signals.release();
    try {
      await store.flush();
    } finally {
      // The session is saved: let go of it first, then flush memory (guarded by its own lock).
      await lock.release();
      await memory.close();
    }
  }
}
