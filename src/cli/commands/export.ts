// `jupiter export [session]`: a session's champion (or one iteration's plan) as a runbook: Markdown, HTML, CSV or JSON.
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import { writeFileAtomicSync } from '../../core/fs/atomic.js';
import type { Plan } from '../../core/plan.js';
import { safeText, terminalJson } from '../../core/text.js';
import { forksAbove, recordsOfLine, rulesInForce } from '../../engine/fork.js';
import { SessionStore } from '../../engine/sessions.js';
import type { SessionState } from '../../engine/types.js';
import { renderCsv } from '../../export/csv.js';
import { renderHtml } from '../../export/html.js';
import { renderMarkdown } from '../../export/markdown.js';
import { buildRunbook, type Runbook } from '../../export/runbook.js';
import { withHumanRules } from '../../feedback/target.js';
import type { LogRecord } from '../../memory/record.js';
import { FILES, Memory } from '../../memory/store.js';
import { loadProcedures } from '../../procedures/load.js';
import { objectivesOf, scorePlan } from '../../procedures/quality.js';
import { findTarget } from '../../procedures/target.js';
import { validatePlan } from '../../procedures/validate.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withMemory } from '../options.js';
import { checkOutputFile } from '../output-file.js';
import { VERSION } from '../version.js';

const FORMATS = { md: renderMarkdown, html: renderHtml, csv: renderCsv, json: (b: Runbook) => `${terminalJson(b, 2)}\n` } as const;
type Format = keyof typeof FORMATS;

interface ExportFlags {
  format: string;
  output?: string;
  iteration?: string;
  memory?: string;
  config?: string;
}

/**
 * The named session, else the most recently saved one that has a champion (with --iteration N: the most recent one
 * that ran iteration N, valid plan or not).
 */
async function sessionFor(store: SessionStore, id: string | undefined, memoryDir: string, iteration: number | undefined): Promise<SessionState> {
  if (id) return store.load(await store.expandId(id));
  let latest: SessionState | undefined;
  for (const listing of (await store.list()).sessions) {
    const state = await store.load(listing.id);
    latest ??= state;
    if (iteration === undefined ? state.champion : state.progress.completed >= iteration) return state;
  }
  // None ran that many: the latest says how many it has.
  if (iteration !== undefined && latest) return latest;
  throw new UsageError(`no session in ${memoryDir} has a valid plan to export yet: run \`jupiter plan "<goal>"\` first`);
}

/** Who made a review: the log keeps the decision, not a name; the prompt it was made at follows from its kind. */
function whoOf(review: string): string {
  if (review === 'checkpoint') return 'nobody: an unattended checkpoint, recorded for review';
  if (review === 'override') return 'the person at the failure prompt';
  if (review === 'human-approval') return 'the person at the checkpoint prompt';
  // A rejection is made at a checkpoint or at a failed iteration's prompt.
  return 'the person at the prompt';
}

/** The plan to export: the champion, or the plan iteration N proposed (named in the log). */
async function chosenPlan(memory: Memory, state: SessionState, records: LogRecord[], iteration: number | undefined) {
  if (iteration === undefined) {
    if (!state.champion) {
      // It may have had one that a person rejected: "yet" would be untrue.
      const r = state.rejectedChampion;
      const why = r
        ? `a person rejected it at iteration ${r.iteration}${r.reason ? ` ("${safeText(r.reason, true)}")` : ''} and no other valid plan stands`
        : 'no valid plan yet';
      throw new UsageError(`session ${state.id} has no champion: ${why}; export --iteration N for another plan`);
    }
    // The session names its champion; the plan is in the plan store.
    const { planId, iteration: at } = state.champion;
    const plan = await memory.planOf({ planId, session: state.id, iteration: at });
    if (!plan) throw new UsageError(`session ${state.id}: the champion's plan (plans/${planId}.json) is missing: export --iteration N for another plan`);
    return { plan, iteration: at, source: 'champion' as const };
  }
  const rec = records.find((r) => r.type === 'iteration' && r.iteration === iteration);
  if (!rec) throw new UsageError(`--iteration ${iteration}: session ${state.id} has no iteration ${iteration} (it has ${state.progress.completed})`);
  const plan: Plan | undefined = await memory.planOf(rec);
  if (!plan) throw new UsageError(`--iteration ${iteration}: that iteration produced no plan (${rec.outcome ?? 'error'})`);
  return { plan, iteration, source: 'iteration' as const };
}

const reviewsOf = (records: LogRecord[]): Runbook['reviews'] =>
  records.flatMap((r) =>
    r.type === 'review' && r.review
      ? [
          {
            session: r.session,
            iteration: r.iteration,
            kind: r.review,
            who: whoOf(r.review),
            why: r.reason ?? '',
            when: r.time,
          },
        ]
      : [],
  );

/**
 * A session's line as the run folds it: its records with its ancestors' before them (a fork's iterations 1..N are its
 * parent's), and the human rules in force now, a fork's inherited ones included and named.
 */
async function lineOf(memory: Memory, store: SessionStore, state: SessionState) {
  const forks = await forksAbove(state, (id) => store.load(id));
  const records = await recordsOfLine(state, memory, forks);
  const scope = { procedure: state.procedure, goalId: state.goalId, session: state.id };
  const humanRules = await (await rulesInForce(memory, state, forks))(scope);
  const own = new Set((await memory.humanRules(scope)).map((r) => r.id));
  const fork = state.parent !== undefined && state.forkPoint !== undefined ? { parent: state.parent, forkPoint: state.forkPoint } : null;
  return { records, humanRules, inheritedRules: humanRules.filter((r) => !own.has(r.id)), fork };
}

async function runbookFor(cli: Cli, id: string | undefined, opts: ExportFlags, iteration: number | undefined): Promise<Runbook> {
  const config = configFrom(cli, { ...(opts.memory ? { memory: opts.memory } : {}), ...(opts.config ? { config: opts.config } : {}) });
  if (!existsSync(config.memoryDir)) throw new UsageError(`no memory in ${config.memoryDir}: run \`jupiter plan "<goal>"\` first`);
  const store = new SessionStore(path.join(config.memoryDir, FILES.sessions));
  const state = await sessionFor(store, id, config.memoryDir, iteration);
  const memory = await Memory.open(config.memoryDir, { create: false });
  // The rules in force now, for this session and goal: the plan is re-validated against them, not trusted from the log.
  const { records, humanRules, inheritedRules, fork } = await lineOf(memory, store, state);
  const chosen = await chosenPlan(memory, state, records, iteration);
  const target = findTarget(loadProcedures(state.settings.proceduresDir), `${state.procedure}/${state.goalId}`);
  const checked = withHumanRules(target, humanRules);
  const objectives = state.settings.objectives ?? objectivesOf(target);
  return buildRunbook({
    session: { id: state.id, goalText: state.goalText, status: state.status, fork },
    target,
    checked,
    humanRules,
    inheritedRules,
    procedureVersion: createHash('sha256').update(readFileSync(target.set.file)).digest('hex').slice(0, 12),
    ...chosen,
    objectives,
    score: scorePlan(chosen.plan, checked),
    validation: validatePlan(chosen.plan, checked),
    reviews: reviewsOf(records),
    jupiter: VERSION,
    now: new Date(),
  });
}

export function registerExport(program: Command, cli: Cli): void {
  const cmd = program
    .command('export')
    .description("a session's champion (or --iteration N's plan) as a runbook: Markdown with a Mermaid gantt, HTML, CSV for tickets, or JSON")
    .argument('[session]', 'session id (default: the most recent session with a valid plan; with --iteration N, the most recent that ran N)')
    .option('--format <format>', 'md, html, csv or json', 'md')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--iteration <n>', "export this iteration's plan instead of the champion");
  withConfig(withMemory(cmd)).action(
    cli.action(async (id: string | undefined, opts: ExportFlags) => {
      if (!Object.hasOwn(FORMATS, opts.format)) throw new UsageError(`--format must be md, html, csv or json, got "${safeText(opts.format, true)}"`);
      const iteration = opts.iteration === undefined ? undefined : Number(opts.iteration);
      if (iteration !== undefined && !(Number.isInteger(iteration) && iteration >= 1))
        throw new UsageError(`--iteration must be a whole number of at least 1, got "${safeText(opts.iteration, true)}"`);
      if (opts.output !== undefined) checkOutputFile(opts.output);
      const book = await runbookFor(cli, id, opts, iteration);
      const text = FORMATS[opts.format as Format](book);
      const v = book.validation;
      if (opts.output === undefined) cli.io.stdout.write(text);
      else {
        writeFileAtomicSync(opts.output, text);
        cli.out(`wrote ${safeText(opts.output, true)} (${opts.format}, ${book.steps.length} steps, ${v.valid ? 'valid' : 'INVALID'} under the rules in force)`);
      }
      if (v.valid) return ExitCode.ok;
      cli.err(`jupiter: the exported plan is invalid under the rules in force (${v.errors} error${v.errors === 1 ? '' : 's'}): ${v.findings[0] ?? ''}`);
      return ExitCode.failure;
    }),
  );
}
