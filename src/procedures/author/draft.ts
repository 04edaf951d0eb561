// Drafts a procedure set with a model: ask, turn the answer into YAML, lint it, and send the errors back for a bounded number of repairs.
import { jsonCandidates, repairJson } from '../../core/json-text.js';
import type { LintIssue, ProcedureSet } from '../types.js';
import { draftMessages, repairMessage, type SourceDoc } from './draft-prompt.js';
import { checkSetText, renderSetYaml } from './render.js';
import { isObj } from '../../core/value.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One model call: the conversation so far in, the answer's text out (the CLI supplies an OpenAI-compatible client). */
export type Complete = (messages: ChatMessage[]) => Promise<string>;

export interface DraftOptions {
  goal: string;
  docs: SourceDoc[];
  complete: Complete;
  /** Where the set will be written: lint messages name it. */
  file: string;
  /** Repair turns after the first draft (default 2). */
  maxRepairs?: number;
  /** Header comment lines for the YAML (provenance). */
  header?: string[];
  /** Told after each round, e.g. to update a spinner. */
  onRound?: (round: { attempt: number; errors: number }) => void;
}

export interface DraftResult {
  yaml: string;
  /** The set when it loaded (possibly with lint errors still in `issues`). */
  set: ProcedureSet | undefined;
  issues: LintIssue[];
  /** Model calls made: the first draft plus repairs. */
  attempts: number;
  /** Lint errors of each attempt, in order (the last is what remains). */
  errorsByAttempt: number[];
}

/** The first JSON object in a model answer, repaired when it is near-JSON; a message when there is none. */
export function readDraftAnswer(text: string): Record<string, unknown> | string {
  for (const candidate of jsonCandidates(text)) {
    for (const attempt of [candidate, repairJson(candidate)]) {
      if (attempt === null) continue;
      try {
        const value = JSON.parse(attempt) as unknown;
        if (isObj(value)) {
          const v = value as Record<string, unknown>;
          // Some models wrap the answer: {"procedure": {...}} or {"set": {...}}.
          const inner = !('actions' in v) ? Object.values(v).find((x) => isObj(x) && 'actions' in x) : undefined;
          return (inner as Record<string, unknown> | undefined) ?? v;
        }
      } catch {
        // try the next candidate
      }
    }
  }
  return 'the answer held no JSON object';
}

/** Drafts, lints and repairs until the set has no lint errors or the repair budget is spent. */
export async function draftProcedureSet(opts: DraftOptions): Promise<DraftResult> {
  const maxRepairs = opts.maxRepairs ?? 2;
  const { system, user } = draftMessages(opts.goal, opts.docs);
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
  const errorsByAttempt: number[] = [];
  let last: DraftResult | undefined;
  for (let attempt = 1; attempt <= maxRepairs + 1; attempt++) {
    const answer = await opts.complete(messages);
    messages.push({ role: 'assistant', content: answer });
    const draft = readDraftAnswer(answer);
    if (typeof draft === 'string') {
      errorsByAttempt.push(1);
      opts.onRound?.({ attempt, errors: 1 });
      last = {
        yaml: answer,
        set: undefined,
        issues: [{ severity: 'error', file: opts.file, line: 1, message: draft }],
        attempts: attempt,
        errorsByAttempt: [...errorsByAttempt],
      };
      messages.push({ role: 'user', content: `Your answer could not be used: ${draft}. Reply with the whole procedure set as one JSON object only.` });
      continue;
    }
    const yaml = renderSetYaml(draft, opts.header);
    const { set, issues } = checkSetText(yaml, opts.file);
    const errors = issues.filter((i) => i.severity === 'error');
    errorsByAttempt.push(errors.length);
    opts.onRound?.({ attempt, errors: errors.length });
    last = { yaml, set, issues, attempts: attempt, errorsByAttempt: [...errorsByAttempt] };
    if (errors.length === 0) return last;
    // Line numbers in the errors refer to the YAML without its header comments, as the model sees it.
    const shift = opts.header?.length ?? 0;
    messages.push({
      role: 'user',
      content: repairMessage(
        yaml.split('\n').slice(shift).join('\n'),
        errors.map((e) => ({ line: e.line - shift, message: e.message })),
      ),
    });
  }
  return last!;
}
