// What reading a person's feedback produces: rules the validator checks (the reader's contract; the engine asks it).
import type { PlanTarget, Rule } from '../procedures/types.js';

/** A rejection reason read into rules the validator checks. */
export interface FeedbackReading {
  text: string;
  /** Rules compiled from the text (origin `human`); empty when nothing could be compiled. */
  constraints: Rule[];
  /** One line per rule, for the person: "notify-stakeholders before deploy-staging". */
  lines: string[];
  /** Who read it: the deterministic reader, the configured model, or the person (with the rule builder). */
  by: 'rules' | 'model' | 'person';
  /** Clauses stated as rules of which nothing was read (when others were): kept only as the note, never checked. */
  unread?: string[];
  /** Set when a configured model could not read it and the deterministic reader did (why, in one line). */
  fallback?: string;
}

/** Reads a rejection reason into rules (deterministically, or with the configured model). */
export interface FeedbackReader {
  read(text: string, target: PlanTarget, signal: AbortSignal): Promise<FeedbackReading>;
}
