// Runs a session from the command line: wires memory, planner, reviewer, progress UI and Ctrl-C to the engine,
// and maps how the run ended to an exit code. Shared by `plan` and `resume`.
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config.js';
import { ExitCode, JupiterError, RuntimeFailure, UsageError } from '../core/errors.js';
import { catchUp } from '../engine/catch-up.js';
import { runSession } from '../engine/loop.js';
import type { EngineEvent, Reviewer, SessionState } from '../engine/types.js';
import { Memory, FILES, RUN_FLUSH_EVERY } from '../memory/store.js';
import { SessionStore } from '../engine/sessions.js';
import { learningSummary } from '../memory/summary.js';
import { summaryFold } from '../memory/summary-fold.js';
import { createPlanner, describePlanner } from '../planners/factory.js';
import type { PlanTarget } from '../procedures/types.js';
import { humanRenderer, jsonRenderer } from './progress.js';
import { PromptReviewer } from './reviewer.js';
import { summaryLines } from './summary-view.js';
import { runReport } from './run-report.js';
import { createFeedbackReader } from '../feedback/model-reader.js';
import { objectivesOf } from '../procedures/quality.js';

/** Never called: an unattended run records checkpoints and halts on failures without asking. */
const unattendedReviewer: Reviewer = {
  checkpoint: () => Promise.reject(new Error('unattended runs do not prompt')),
  failure: () => Promise.reject(new Error('unattended runs do not prompt')),
  confirmReading: () => Promise.reject(new Error('unattended runs do not prompt')),
  patience: () => Promise.reject(new Error('unattended runs do not prompt')),
};

/** Signals that stop a run after saving. SIGHUP is a closed terminal: the run must not be left `running`. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit code a shell reports for a process ended by `signal` (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 2);
}

export function requireTerminalOrUnattended(unattended: boolean): void {
  if (!unattended && !process.stdin.isTTY) {
    throw new UsageError('no terminal to ask at checkpoints (stdin is not a TTY): pass --unattended to run without prompts');
  }
}

export interface RunOptions {
  config: ResolvedConfig;
  state: SessionState;
  target: PlanTarget;
  memory: Memory;
}

export async function runFromCli({ config, state, target, memory }: RunOptions): Promise<void> {
  // One durable append per iteration: the session file and derived memory files follow at checkpoints and exit.
  const store = new SessionStore(path.join(memory.dir, FILES.sessions), { saveEvery: RUN_FLUSH_EVERY });
  const lock = await store.lock(state.id);
  const controller = new AbortController();
  // Ctrl-C, `kill` and a closed terminal all stop the run the same way: finish saving, release the lock, and exit
  // 128 + the signal's number (130, 143, 129), as shells report a process a signal ended.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // A second signal forces: whatever was committed is on disk already (the log is the commit point).
      process.stderr.write('\nForced stop.\n');
      process.exit(signalExitCode(signal));
    }
    stoppedBy = signal;
    process.stderr.write(`\nStopping after saving… (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to force)\n`);
    controller.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    await catchUp(state, memory, target);
    const planner = await createPlanner(config, { modeCachePath: path.join(memory.dir, FILES.internal, 'endpoints.json'), session: state.id });
    const render = config.json ? jsonRenderer() : humanRenderer({ tty: Boolean(process.stdout.isTTY), plannerLabel: describePlanner(config) });
    const reviewer = state.settings.unattended
      ? unattendedReviewer
      : new PromptReviewer({
          beforePrompt: () => render.pause(),
          onInterrupt: () => controller.abort(),
          target,
          summary: async () => summaryLines(await learningSummary(memory.dir, await memory.aggregate(summaryFold), await memory.items())),
          ...(config.json ? { output: process.stderr } : {}),
        });
    const emit = (e: EngineEvent) => render(e);
    // A hand edit that broke a line: say what was skipped; everything readable is used.
    for (const skipped of memory.skippedLines()) emit({ type: 'warning', message: `${skipped.file}:${skipped.line}: skipped an unreadable line (${skipped.text})` });
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
      humanRules: (scope) => memory.humanRules(scope),
      // With --json nobody sees a reading to confirm it: it is kept, unconfirmed, for this session only.
      confirmReadings: !config.json,
    });
    render.pause();
    const done = result.state.progress.completed;
    if (!config.json) for (const line of runReport(result.state, result.state.settings.objectives ?? objectivesOf(target))) process.stdout.write(line + '\n');
    switch (result.exit) {
      case 'converged':
      case 'patience':
        // The report above already says why a converged run ended; patience is said here.
        if (!config.json && result.exit === 'patience') process.stdout.write(`Ended early: ${result.message ?? result.exit}.\n`);
        process.exitCode = ExitCode.ok;
        return;
      case 'completed':
      case 'stopped':
        if (result.exit === 'stopped' && !config.json) process.stdout.write(`Stopped. Completed: ${done} iterations. Memory updated. Resume with \`jupiter resume ${state.id}\`.\n`);
        process.exitCode = ExitCode.ok;
        return;
      case 'interrupted':
        process.stderr.write(`Stopped. Completed: ${done} iterations. Memory updated.\n`);
        process.exitCode = stoppedBy ? signalExitCode(stoppedBy) : ExitCode.interrupted;
        return;
      case 'halted':
        process.stderr.write(`jupiter: halted for human review: ${result.message ?? ''}. State saved; resume with \`jupiter resume ${state.id}\`.\n`);
        process.exitCode = ExitCode.halted;
        return;
      case 'failed':
        throw new RuntimeFailure(`${result.message ?? 'the run failed'}. State saved; resume with \`jupiter resume ${state.id}\``);
    }
  } catch (err) {
    if (err instanceof JupiterError) throw err;
    throw new RuntimeFailure(`${err instanceof Error ? err.message : String(err)} (session ${state.id} saved)`, { cause: err });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    try {
      await store.flush();
      await memory.close();
    } finally {
      await lock.release();
    }
  }
}
