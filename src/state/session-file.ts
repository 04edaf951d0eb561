// Reads a session value as a file held it: migrated, then checked against the schema; a fault names its field and,
// when the text is at hand, its line.
import type { z } from 'zod';
import { migrateSession } from './migrate.js';
import { valueAt } from '../core/value.js';
import { type SessionState, SessionSchema } from './session.js';

export interface SessionProblem {
  message: string;
  /** Where the fault is in the value (for finding its line in the file). */
  path: (string | number)[];
}

/** The first fault as a person reads it: `"settings.iterations" must be ...`. */
function describe(issue: z.core.$ZodIssue, value: unknown): SessionProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const field = path.length ? `"${path.join('.')}" ` : '';
  const message = path.length && valueAt(value, issue.path) === undefined ? `${field}is missing` : `${field}${issue.message}`;
  return { message, path };
}

/** The session in `value`, or the first problem with it. `id`: the session the file is named after. */
export function readSession(value: unknown, id: string): { state: SessionState } | { problem: SessionProblem } {
  const v = migrateSession(value);
  const r = SessionSchema.safeParse(v);
  if (!r.success) return { problem: describe(r.error.issues[0]!, v) };
  if (r.data.id !== id) return { problem: { message: `it holds session "${r.data.id}", not "${id}"`, path: ['id'] } };
  return { state: r.data };
}
