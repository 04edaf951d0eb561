// Renders engine events: a live status line and the notable lines on a terminal, one plain line per iteration
// otherwise, NDJSON with --json.
import { terminalJson } from '../core/text.js';
import { redactSecrets } from '../core/secrets.js';
import type { EngineEvent } from '../engine/types.js';
import type { ForkBase } from '../state/lineage.js';
import { contextText, eventLine, foldedLine, headerLines, iterationLine, notable, retryText } from './event-lines.js';
import { duration } from './format.js';
import { toJsonEvent } from './json-events.js';
import type { Cli } from './io.js';
import type { StatusLine } from './live-status.js';
import { RunStats, statusText } from './run-stats.js';

export interface Renderer {
  (event: EngineEvent): void;
  /** Takes the status line off the terminal before a prompt (or the final message) takes it. */
  pause(): void;
}

/** Streamed tokens between two `planner-progress` events of one answer in --json output. */
export const PROGRESS_STEP_TOKENS = 64;

/**
 * NDJSON events, the public schema of json-events.ts (never the engine's own events). `write` gets whole lines; the lines of one turn of the event loop go out in one write (an
 * iteration emits a dozen events: one write each was a system call each), at the latest when the turn ends.
 */
export function jsonRenderer(write: (text: string) => void, opts: { now?: () => Date; fork?: ForkBase | undefined } = {}): Renderer {
  const now = opts.now ?? (() => new Date());
  // A stream reports progress per chunk (a hundred or more per answer): a script needs it every few dozen tokens.
  let shown: { iteration: number; tokens: number } | null = null;
  let pending: string[] = [];
  const flush = () => {
    if (!pending.length) return;
    // Redacted once per write: no secret or key shape spans a line break.
    const text = redactSecrets(`${pending.join('\n')}\n`);
    pending = [];
    write(text);
  };
  const r = ((event: EngineEvent) => {
    if (event.type === 'planner-progress') {
      // A new answer (next iteration, or a repair's stream starting over) always shows its first progress.
      const fresh = !shown || shown.iteration !== event.iteration || event.tokens < shown.tokens;
      if (!fresh && event.tokens - shown!.tokens < PROGRESS_STEP_TOKENS) return;
      shown = { iteration: event.iteration, tokens: event.tokens };
    }
    if (!pending.length) setImmediate(flush);
    pending.push(terminalJson(toJsonEvent(event, now().toISOString(), opts.fork)));
    // The last event of a run, and anything a person or script must see before a prompt or an exit, goes out now.
    if (event.type === 'finished') flush();
  }) as Renderer;
  r.pause = flush;
  return r;
}

export interface HumanOptions {
  plannerLabel: string;
  /** False for the built-in planner, which does not read notes (a kept note says so). */
  notesFollowed?: boolean;
  unattended: boolean;
  /** A fork: its header names its parent, its checkpoints and counts are its own. */
  fork?: ForkBase | undefined;
  /** Milliseconds clock (injected by tests). */
  now?: () => number;
}

type IterationFinished = Extract<EngineEvent, { type: 'iteration-finished' }>;

/** The lines a person reads, redacted; on a terminal, quiet outcomes in a row (repeats, alternatives, plans no better) fold into one counter line. */
class FoldedLines {
  private fold: { first: IterationFinished; last: IterationFinished; tail: string } | null = null;
  constructor(
    private readonly cli: Cli,
    private readonly live: StatusLine | null,
  ) {}

  /** The last line printed, and how many times it came again since (said once, as a count, never twice in a row). */
  private last: string | null = null;
  private again = 0;

  private emit(text: string): void {
    const safe = redactSecrets(text);
    if (this.live) this.live.print(safe);
    else this.cli.out(safe);
  }

  private write(text: string): void {
    if (text === this.last) {
      this.again++;
      return;
    }
    this.sayAgain();
    this.last = text;
    this.emit(text);
  }

  private sayAgain(): void {
    if (!this.again) return;
    const n = this.again;
    this.again = 0;
    this.last = null;
    this.emit(this.cli.color.dim(`  (the line above, ${n} more time${n === 1 ? '' : 's'})`));
  }

  /** Prints the folded counter line, if quiet outcomes are waiting, and the count of a line that came again. */
  flush(): void {
    this.flushFold();
    this.sayAgain();
  }

  private flushFold(): void {
    if (!this.fold) return;
    const { first, last, tail } = this.fold;
    this.fold = null;
    this.write(foldedLine(first, last, this.cli.color, tail));
  }

  line(text: string): void {
    this.flushFold();
    this.write(text);
  }

  /** A quiet outcome: joins the fold when it continues it (same outcome, next iteration), else starts a new one. */
  quiet(e: IterationFinished, tail: string): void {
    const fold = this.fold;
    if (fold && fold.last.outcome === e.outcome && fold.last.iteration === e.iteration - 1) this.fold = { ...fold, last: e, tail };
    else {
      this.flushFold();
      this.fold = { first: e, last: e, tail };
    }
  }
}

/** ` · 1,234 tokens · $0.0012` (or `cost unknown` for a model with no price). */
function spentText(u: { promptTokens: number; completionTokens: number }, costUsd: number | undefined): string {
  return ` · ${(u.promptTokens + u.completionTokens).toLocaleString('en-US')} tokens · ${costUsd !== undefined ? `$${costUsd.toFixed(4)}` : 'cost unknown'}`;
}

/** `live`: the terminal's status line (live-status.ts, loaded only for a terminal), or null for a pipe or file. */
export function humanRenderer(cli: Cli, opts: HumanOptions, live: StatusLine | null = null): Renderer {
  const c = cli.color;
  const stats = new RunStats(opts.now ?? (() => performance.now()));
  let checkpoint = 0;
  let context = '';
  let usage = '';
  const out = new FoldedLines(cli, live);
  const status = (iteration: number, text: string) => {
    // Only a terminal shows a status line: elsewhere it is not worth composing (progress arrives per streamed chunk).
    if (live) live.set(`Iteration ${iteration} · ${text} · ${statusText(stats.snapshot())}`);
  };
  const r = ((e: EngineEvent) => {
    stats.observe(e);
    switch (e.type) {
      case 'session-started':
        checkpoint = e.checkpoint;
        for (const l of headerLines(e, { plannerLabel: opts.plannerLabel, unattended: opts.unattended, fork: opts.fork }, c)) out.line(l);
        return;
      case 'iteration-started':
        usage = '';
        return status(e.iteration, 'recalling…');
      case 'recalled':
        context = contextText(e);
        return status(e.iteration, 'proposing…');
      case 'planner-progress':
        return status(e.iteration, `proposing… ${e.tokens} tokens`);
      case 'retry':
        if (!live) out.line(c.yellow(`  ↻ iteration ${e.iteration}: ${retryText(e)}`));
        return status(e.iteration, retryText(e));
      case 'repair':
        if (!live) out.line(c.dim(`  ↻ iteration ${e.iteration}: repair ${e.attempt} (${e.errors} error${e.errors === 1 ? '' : 's'} to fix)`));
        return status(e.iteration, `repairing (${e.attempt})…`);
      case 'plan-proposed':
        if (e.usage) usage = spentText(e.usage, e.costUsd);
        return status(e.iteration, 'validating…');
      case 'iteration-finished': {
        // The iteration's own total (repair rounds included), not its last call's.
        const tail = `${context ? ` · ${context}` : ''}${e.usage ? spentText(e.usage, e.costUsd) : usage}`;
        if (!live) out.line(iterationLine(e, c, `${e.latencyMs > 0 ? ` · ${duration(e.latencyMs)}` : ''}${tail}`));
        else if (notable(e)) out.line(iterationLine(e, c, tail));
        else out.quiet(e, tail);
        return status(e.iteration, e.outcome);
      }
      default: {
        if (e.type === 'finished') {
          out.flush();
          live?.stop();
        }
        // Checkpoint and finished totals carry the session's costUnknown: usageLine says "cost unknown", not $0.
        const text = eventLine(e, { checkpoint, fork: opts.fork, ...(opts.notesFollowed === false ? { notesFollowed: false } : {}) }, c);
        if (text !== null) out.line(text);
      }
    }
  }) as Renderer;
  r.pause = () => {
    out.flush();
    live?.stop();
  };
  return r;
}
