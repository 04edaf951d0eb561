// Live numbers of a run for the status line: done/total, rate, elapsed, ETA, last latency, cost so far and projected.
import type { EngineEvent } from '../engine/types.js';
import { duration } from './format.js';

export interface RunSnapshot {
  done: number;
  total: number;
  /** Iterations finished by this process (a resumed run's earlier ones are not part of its rate). */
  doneHere: number;
  elapsedMs: number;
  /** Iterations per minute in this process, once one has finished. */
  perMinute: number | null;
  etaMs: number | null;
  lastLatencyMs: number | null;
  costUsd: number;
  /** Set once an iteration used a model whose price is unknown: cost figures would be wrong, so none are shown. */
  costUnknown: boolean;
  /** Cost of the whole run at the rate so far (null until a priced iteration finished). */
  projectedUsd: number | null;
}

/** Folds engine events into a snapshot; the clock is injected so tests do not wait. */
export class RunStats {
  private total = 0;
  private done = 0;
  private doneHere = 0;
  private startedAt = 0;
  private iterationStartedAt: number | null = null;
  private lastLatencyMs: number | null = null;
  private costUsd = 0;
  private costedHere = 0;
  private costHere = 0;
  private costUnknown = false;

  constructor(private readonly now: () => number) {}

  observe(e: EngineEvent): void {
    switch (e.type) {
      case 'session-started':
        this.total = e.iterations;
        this.done = e.resumedFrom ?? 0;
        this.startedAt = this.now();
        break;
      case 'iteration-started':
        this.iterationStartedAt = this.now();
        break;
      case 'iteration-finished': {
        this.done = e.iteration;
        this.doneHere++;
        // The engine's latency is the model's; without one, the iteration's wall time is the honest figure.
        this.lastLatencyMs = e.latencyMs > 0 ? e.latencyMs : this.iterationStartedAt === null ? null : this.now() - this.iterationStartedAt;
        if (e.costUsd !== undefined) {
          this.costUsd += e.costUsd;
          this.costHere += e.costUsd;
          this.costedHere++;
        } else if (e.usage && (e.usage.promptTokens || e.usage.completionTokens)) this.costUnknown = true;
        break;
      }
      case 'checkpoint':
      case 'finished':
        // The session's own total is the truth (it includes iterations of earlier runs).
        this.costUsd = e.usage.costUsd;
        break;
      default:
        break;
    }
  }

  snapshot(): RunSnapshot {
    const elapsedMs = this.now() - this.startedAt;
    const perMs = this.doneHere > 0 && elapsedMs > 0 ? this.doneHere / elapsedMs : null;
    const remaining = Math.max(0, this.total - this.done);
    const perIteration = this.costedHere > 0 ? this.costHere / this.costedHere : null;
    return {
      done: this.done,
      total: this.total,
      doneHere: this.doneHere,
      elapsedMs,
      perMinute: perMs === null ? null : perMs * 60_000,
      etaMs: perMs === null ? null : remaining / perMs,
      lastLatencyMs: this.lastLatencyMs,
      costUsd: this.costUsd,
      costUnknown: this.costUnknown,
      projectedUsd: perIteration === null || this.costUnknown ? null : this.costUsd + perIteration * remaining,
    };
  }
}

/** `12/1000 · 5.2/min · 2m 18s elapsed · ETA 3h 10m · last 4.2s · $0.0123 → ~$1.0200` */
export function statusText(s: RunSnapshot): string {
  const parts = [`${s.done}/${s.total}`];
  if (s.perMinute !== null) parts.push(`${s.perMinute >= 10 ? Math.round(s.perMinute) : s.perMinute.toFixed(1)}/min`);
  parts.push(`${duration(s.elapsedMs)} elapsed`);
  if (s.etaMs !== null && s.done < s.total) parts.push(`ETA ${duration(s.etaMs)}`);
  if (s.lastLatencyMs !== null) parts.push(`last ${duration(s.lastLatencyMs)}`);
  if (s.costUnknown) parts.push('cost unknown');
  else if (s.costUsd > 0 || s.projectedUsd !== null)
    parts.push(`$${s.costUsd.toFixed(4)}${s.projectedUsd !== null && s.done < s.total ? ` → ~$${s.projectedUsd.toFixed(4)}` : ''}`);
  return parts.join(' · ');
}
