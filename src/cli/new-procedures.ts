// `procedures new` as a function: draft (with a model) or scaffold (by asking), lint, show, confirm, write.
import { existsSync } from 'node:fs';
// Shared by the command and by `plan` when a goal matches no procedure; prompts come in through `io`.
import { redactGoal } from '../core/secrets.js';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ResolvedConfig } from '../config/resolve.js';
import { RuntimeFailure, UsageError } from '../core/errors.js';
import { safeText } from '../core/text.js';
import { requireKey } from '../planners/factory.js';
import { draftProcedureSet } from '../procedures/author/draft.js';
import type { SourceDoc } from '../procedures/author/draft-prompt.js';
import { checkSetText, renderSetYaml } from '../procedures/author/render.js';
import { scaffoldSet, type ScaffoldAsk } from '../procedures/author/scaffold.js';
import { writeNewFile, type ConfirmOverwrite } from '../procedures/author/write.js';
import { loadProceduresWithIssues } from '../procedures/load.js';
import { readTextFile } from '../core/text-file.js';
import type { LintIssue, ProcedureSet } from '../procedures/types.js';
import { authoringDir, shadowNote } from './authoring.js';
import { plural } from './format.js';

export interface NewProceduresIO {
  out(line: string): void;
  /** Asks yes or no; absent when there is no terminal. */
  confirm?: (message: string, defaultYes: boolean) => Promise<boolean>;
  /** The scaffold's questions; absent when there is no terminal. */
  scaffold?: ScaffoldAsk;
  confirmOverwrite?: ConfirmOverwrite;
}

export interface NewProceduresOptions {
  goal: string;
  /** Source documents (--from). */
  from: string[];
  config: ResolvedConfig;
  output?: string;
  force?: boolean;
  /** Write without asking (for scripts; the draft is still shown). */
  yes?: boolean;
  maxRepairs?: number;
}

export interface NewProceduresResult {
  file: string;
  set: ProcedureSet;
}

const issueLine = (i: LintIssue) => `${i.file}:${i.line}: ${i.severity}: ${i.message}`;

/** Ids already used by other files in the folder: a second set with the same id would stop the folder loading. */
function takenIds(dir: string): Map<string, string> {
  try {
    return new Map(loadProceduresWithIssues(dir).library.sets.map((s) => [s.id, s.file]));
  } catch {
    return new Map(); // no folder or no files yet
  }
}

function withUniqueId(yaml: string, id: string, taken: Map<string, string>, file: string): { yaml: string; id: string } {
  const owner = taken.get(id);
  if (owner === undefined || path.resolve(owner) === path.resolve(file)) return { yaml, id };
  let n = 2;
  while (taken.has(`${id}-${n}`)) n++;
  const doc = parseDocument(yaml);
  doc.set('id', `${id}-${n}`);
  return { yaml: doc.toString({ lineWidth: 0 }), id: `${id}-${n}` };
}

async function draftText(opts: NewProceduresOptions, docs: SourceDoc[], io: NewProceduresIO): Promise<{ yaml: string; attempts: number }> {
  const { config } = opts;
  // The goal is written into the drafted file and sent to the model: a key pasted into it goes to neither.
  const { goal } = redactGoal(opts.goal);
  const sources = docs.length ? ` and ${docs.map((d) => path.basename(d.file)).join(', ')}` : '';
  if (config.provider === 'builtin') {
    if (docs.length)
      throw new UsageError(
        '--from needs a model to read the documents: configure one (--provider, --base-url, --model), or leave out --from for the step-by-step scaffold',
      );
    if (!io.scaffold)
      throw new UsageError(
        'no model is configured and there is no terminal to ask: configure a model (--provider, --base-url, --model) or run at a terminal for the step-by-step scaffold',
      );
    io.out('No model configured: building the procedure set step by step.');
    const draft = await scaffoldSet(goal, io.scaffold);
    return { yaml: renderSetYaml(draft, [`Written with \`jupiter procedures new\` for the goal "${goal}".`]), attempts: 0 };
  }
  requireKey(config);
  if (!config.baseUrl || !config.model) throw new UsageError(`--provider ${config.provider} needs --base-url and --model`);
  const { default: OpenAI } = await import('openai');
  const { modelComplete } = await import('../procedures/author/model.js');
  const { modelFetch } = await import('../planners/openai/node-fetch.js');
  const client = new OpenAI({
    apiKey: config.apiKey ?? 'not-needed',
    baseURL: config.baseUrl,
    maxRetries: config.maxRetries,
    timeout: config.timeoutMs,
    fetch: modelFetch(),
  });
  const complete = modelComplete({ client, model: config.model, baseUrl: config.baseUrl, keyVariable: config.apiKeyVariable ?? 'JUPITER_API_KEY' });
  io.out(`Drafting with ${config.model} from the goal${sources}…`);
  const result = await draftProcedureSet({
    goal,
    docs,
    complete,
    file: '(draft)',
    ...(opts.maxRepairs !== undefined ? { maxRepairs: opts.maxRepairs } : {}),
    header: [
      `Drafted by \`jupiter procedures new\` with ${config.model} from the goal "${goal}"${sources}.`,
      'A model wrote it and jupiter checked only that it lints: review every step and rule before relying on it.',
    ],
    onRound: (r) => io.out(r.attempt === 1 ? `draft: ${r.errors} lint error(s)` : `repair ${r.attempt - 1}: ${r.errors} lint error(s)`),
  });
  return { yaml: result.yaml, attempts: result.attempts };
}

export async function runNewProcedures(opts: NewProceduresOptions, io: NewProceduresIO): Promise<NewProceduresResult | undefined> {
  const docs = opts.from.map((file) => ({ file, text: readTextFile(file, 'source document') }));
  const dir = authoringDir(opts.config.proceduresDir, opts.config.cwd);
  // A target that cannot be written is found before the model is paid to draft anything.
  if (opts.output && !opts.force && !io.confirmOverwrite && existsSync(opts.output))
    throw new UsageError(`-o ${safeText(opts.output, true)} exists: pass --force to replace it, or choose another file (nothing was drafted)`);
  const drafted = await draftText(opts, docs, io);
  const first = checkSetText(drafted.yaml, '(draft)');
  const draftId = first.set?.id ?? 'procedure';
  const file = opts.output ?? path.join(dir, `${draftId}.yaml`);
  const unique = withUniqueId(drafted.yaml, draftId, takenIds(path.dirname(file)), file);
  const finalFile = opts.output ?? path.join(dir, `${unique.id}.yaml`);
  if (unique.id !== draftId) io.out(`A set "${draftId}" already exists in ${safeText(path.dirname(file), true)}: this one is "${unique.id}".`);
  const { set, issues } = checkSetText(unique.yaml, finalFile);
  const failing = issues.some((i) => i.severity === 'error') || !set;
  io.out('');
  // A draft that does not lint says so before it is shown, so nobody copies it as if it were usable.
  if (failing) io.out('DRAFT WITH LINT ERRORS (not written; the errors follow it):');
  for (const line of unique.yaml.trimEnd().split('\n')) io.out(safeText(line, true));
  io.out('');
  for (const i of issues) io.out(safeText(issueLine(i), true));
  const errors = issues.filter((i) => i.severity === 'error');
  // A file with lint errors would stop every command from loading the folder: shown, never written.
  if (errors.length > 0 || !set) {
    const tries = drafted.attempts > 0 ? ` after ${drafted.attempts} attempt(s)` : '';
    throw new RuntimeFailure(`the drafted set still has ${errors.length} lint error(s)${tries}: not written (the draft is shown above)`);
  }
  const goal = set.goals[0]!;
  io.out(`${plural(set.actions.length, 'action')}, ${plural(set.rules.length, 'rule')}, goal ${set.id}/${goal.id} → ${goal.facts.join(', ')}; no lint errors.`);
  if (!opts.yes) {
    if (!io.confirm) throw new UsageError(`not written: confirm at a terminal, or pass --yes to write ${finalFile}`);
    if (!(await io.confirm(`Write ${finalFile}?`, true))) {
      io.out('Not written.');
      return undefined;
    }
  }
  const note = shadowNote(opts.config.proceduresDir, opts.config.cwd, path.dirname(path.resolve(opts.config.cwd, finalFile)));
  const written = await writeNewFile(finalFile, unique.yaml, {
    ...(opts.force ? { force: true } : {}),
    ...(io.confirmOverwrite ? { confirm: io.confirmOverwrite } : {}),
  });
  if (!written) {
    io.out(`Kept ${finalFile} as it was.`);
    return undefined;
  }
  io.out(`Wrote ${finalFile}.`);
  if (note) io.out(safeText(note, true));
  return { file: finalFile, set };
}
