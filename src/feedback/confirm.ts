// Settles what a rejection reason means: read it, let the person confirm, reword or keep it as a note, and say so.
import type { FeedbackReader, FeedbackReading, Reviewer } from '../engine/types.js';
import type { ReviewRecord } from '../memory/types.js';
import type { PlanTarget } from '../procedures/types.js';

/** What a settled reading adds to the rejection's review record (and what stays unchecked prose). */
export interface SettledFeedback {
  reading: FeedbackReading;
  /** The reason to record: the person's last wording (what the rules quote). */
  reason: string;
  review: Required<Pick<ReviewRecord, 'constraints' | 'confirmed' | 'scope'>>;
  /** The text to keep as unchecked prose for the planner, when no rule was kept. */
  unchecked?: string;
}

/** A person may reword this many times before the last reading is kept as a note. */
const MAX_EDITS = 5;

/** One line for the person: "I read this as: a before b; never use c", or that nothing checkable was found. */
export function describeReading(reading: FeedbackReading): string {
  const head = reading.constraints.length ? `I read this as: ${reading.lines.join('; ')}` : 'I found no rule I can check in this; it stays a note for the planner (unchecked)';
  return reading.fallback ? `${head} (${reading.fallback})` : head;
}

/**
 * Reads `text`; when a person is there (`confirm`), asks them to accept (with a scope), reword or keep it as a note.
 * Without a person the reading is kept unconfirmed, scoped to the session. Feedback with no rule kept stays prose.
 */
export async function settleFeedback(
  text: string,
  target: PlanTarget,
  deps: { reader: FeedbackReader; reviewer?: Pick<Reviewer, 'confirmReading'>; signal: AbortSignal },
): Promise<SettledFeedback> {
  let reading = await deps.reader.read(text, target, deps.signal);
  if (!deps.reviewer) return settled(reading, false, 'session');
  for (let edits = 0; reading.constraints.length > 0; edits++) {
    const decision = await deps.reviewer.confirmReading(reading);
    if (decision.kind === 'accept') return settled(reading, true, decision.scope);
    if (decision.kind === 'note' || edits >= MAX_EDITS) break;
    // The reworded text is what the person meant: it is read, and it is what the rules quote.
    reading = await deps.reader.read(decision.text, target, deps.signal);
  }
  return { reading, reason: reading.text, review: { constraints: [], confirmed: true, scope: 'session' }, unchecked: reading.text };
}

function settled(reading: FeedbackReading, confirmed: boolean, scope: 'session' | 'goal'): SettledFeedback {
  if (reading.constraints.length === 0) return { reading, reason: reading.text, review: { constraints: [], confirmed, scope }, unchecked: reading.text };
  return { reading, reason: reading.text, review: { constraints: reading.constraints, confirmed, scope } };
}
