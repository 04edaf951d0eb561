// Where sessions are kept, behind one small interface (after LangGraph's checkpointer): the engine saves through it,
// resume loads through it; the file store (engine/sessions.ts) and an in-memory one for tests implement it.
import { InputError, UsageError } from '../core/errors.js';
import { readSession } from './session-file.js';
import type { SessionState } from './session.js';

export interface Checkpointer {
  /** Saves the session; `durable: false` may defer the write (the log holds the truth, resume catches up). */
  save(state: SessionState, opts?: { durable?: boolean }): Promise<void>;
  /** The session as last saved, migrated and checked. */
  load(id: string): Promise<SessionState>;
  /** Writes whatever was deferred. */
  flush(): Promise<void>;
}

/** Sessions held in this process as the text a file would hold: a load reads a copy, checked like a file. */
export class MemoryCheckpointer implements Checkpointer {
  private readonly saved = new Map<string, string>();

  async save(state: SessionState): Promise<void> {
    state.updatedAt = new Date().toISOString();
    this.saved.set(state.id, JSON.stringify(state));
  }

  async load(id: string): Promise<SessionState> {
    const text = this.saved.get(id);
    if (text === undefined) throw new UsageError(`no session "${id}"`);
    const read = readSession(JSON.parse(text) as unknown, id);
    if ('problem' in read) throw new InputError(`not a usable session: ${read.problem.message}`);
    return read.state;
  }

  async flush(): Promise<void> {}
}
