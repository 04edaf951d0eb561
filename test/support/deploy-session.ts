// One in-process session on the shipped deploy goal, for tests that drive the engine with a scripted reviewer
// (rejections, standing champions, rule conflicts): the same wiring the CLI gives runSession, settings from the table.
import path from 'node:path';
import { defaultSessionSettings } from '../../src/config/settings-schema.js';
import { runSession } from '../../src/engine/loop.js';
import { newSession } from '../../src/engine/session.js';
import { SessionStore } from '../../src/engine/sessions.js';
import type {
  CheckpointContext,
  CheckpointDecision,
  EngineEvent,
  FailureDecision,
  PatienceDecision,
  ReadingDecision,
  Reviewer,
  SessionState,
} from '../../src/engine/types.js';
import { RulesFeedbackReader } from '../../src/feedback/read.js';
import { Memory } from '../../src/memory/store.js';
import { BuiltinPlanner } from '../../src/planners/builtin.js';
import type { Planner } from '../../src/planners/types.js';
import { loadProcedures } from '../../src/procedures/load.js';
import { findTarget } from '../../src/procedures/target.js';
import { SHIPPED } from './cli.js';

export const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');

export interface DeployRun {
  iterations: number;
  checkpoint: number;
  reviewer: Reviewer;
  planner?: Planner;
  maxFailures?: number;
  /** A session to go on with instead of a new one. */
  state?: SessionState;
  emit?: (e: EngineEvent) => void;
}

/** Runs session `id` in memory folder `dir`; the memory is left open for the caller to read (and close). */
export async function runDeploySession(
  dir: string,
  id: string,
  opts: DeployRun,
): Promise<{ state: SessionState; memory: Memory; exit: string; message?: string | undefined }> {
  const memory = await Memory.open(dir);
  const settings = defaultSessionSettings(SHIPPED, {
    iterations: opts.iterations,
    checkpoint: opts.checkpoint,
    unattended: false,
    provider: 'builtin',
    contextBudget: 4000,
    patience: 0,
    repairs: 0,
    maxFailures: opts.maxFailures ?? 3,
    candidates: 1,
  });
  const state = opts.state ?? newSession(id, 'Deploy the orchestrator', deploy, settings, new Date('2026-11-25T10:00:00Z'));
  const result = await runSession(state, {
    planner: opts.planner ?? new BuiltinPlanner(),
    target: deploy,
    memory,
    store: new SessionStore(path.join(dir, 'sessions')),
    reviewer: opts.reviewer,
    emit: opts.emit ?? (() => {}),
    signal: new AbortController().signal,
    feedbackReader: new RulesFeedbackReader(),
    humanRules: (q) => memory.humanRules(q),
  });
  return { state: result.state, memory, exit: result.exit, message: result.message };
}

/** A reviewer whose checkpoint answers come from `decide`; a failure or patience prompt stops, a reading stays a note. */
export class ScriptedReviewer implements Reviewer {
  constructor(private readonly decide: (ctx: CheckpointContext) => CheckpointDecision) {}
  async checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision> {
    return this.decide(ctx);
  }
  async failure(): Promise<FailureDecision> {
    return { kind: 'stop' };
  }
  async confirmReading(): Promise<ReadingDecision> {
    return { kind: 'note' };
  }
  async patience(): Promise<PatienceDecision> {
    return { kind: 'stop' };
  }
}
