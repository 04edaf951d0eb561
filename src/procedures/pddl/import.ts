// Turns a PDDL domain and problem into a jupiter procedure set (YAML text and the loaded set), linted like any other.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/text.js';
import { lintSet } from '../lint.js';
import { parseProcedureText } from '../load.js';
import type { LintIssue, ProcedureSet } from '../types.js';
import { groundProblem, type Grounding } from './ground.js';
import { parseDomain, parseProblem, type PddlDomain, type PddlProblem } from './parse.js';

const MAX_PDDL_BYTES = 2 * 1024 * 1024;

/** A text file for reading (size-capped, UTF-8 checked); `what` names it in errors, e.g. "plan" or "PDDL domain". */
export function readTextFile(file: string, what: string): string {
  let buf: Buffer;
  try {
    const st = statSync(file);
    // A FIFO or a device would block or never end: only regular files (links to them are fine: the file is the person's).
    if (!st.isFile()) throw new InputError(`${what} is not a regular file${st.isDirectory() ? ' (a folder)' : st.isFIFO() ? ' (a named pipe)' : ''}`, { file });
    if (st.size > MAX_PDDL_BYTES) throw new InputError(`${what} file is larger than ${MAX_PDDL_BYTES} bytes`, { file });
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    // Words a person reads, not errno names.
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? (err as Error).message);
    throw new InputError(`cannot read ${what}: ${why}`, { file });
  }
  const { text, badLine } = decodeUtf8(buf);
  if (badLine !== null) throw new InputError(`${what} file is not valid UTF-8 text`, { file, line: badLine });
  return text;
}

function readPddl(domainFile: string, problemFile: string): { domain: PddlDomain; problem: PddlProblem } {
  const domain = parseDomain(readTextFile(domainFile, 'PDDL domain'), domainFile);
  const problem = parseProblem(readTextFile(problemFile, 'PDDL problem'), problemFile, domain);
  return { domain, problem };
}

const idPart = (name: string) => name.replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'pddl';
const flow = (facts: string[]) => `[${facts.map((f) => JSON.stringify(f)).join(', ')}]`;
const nameWords = (name: string) => name.split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !/\d/.test(w));

/** The procedure set as YAML: facts keep PDDL's form, so a person can read them against the domain file. */
function renderProcedureYaml(domain: PddlDomain, problem: PddlProblem, g: Grounding): string {
  const setId = problem.name.startsWith(domain.name) ? idPart(problem.name) : `${idPart(domain.name)}-${idPart(problem.name)}`;
  const keywords = [...new Set([...nameWords(domain.name), ...nameWords(problem.name)])];
  const lines = [
    `# Imported by \`jupiter procedures import\` from PDDL domain "${domain.name}" and problem "${problem.name}":`,
    `# ${g.actions.length} ground actions from ${g.schemas} action schemas, after reachability pruning. Facts keep`,
    '# their PDDL form; a `(not ...)` fact stands for a negative precondition; static facts (no action changes them)',
    '# were applied while grounding and are left out.',
    `id: ${setId}`,
    `name: ${JSON.stringify(`${domain.name} / ${problem.name} (PDDL)`)}`,
    `description: ${JSON.stringify(`PDDL domain ${domain.name}, problem ${problem.name}`)}`,
    `initial: ${flow(g.initial)}`,
    'goals:',
    `  - id: ${idPart(problem.name)}`,
    `    description: ${JSON.stringify(`Reach the goal of PDDL problem ${problem.name}`)}`,
    `    keywords: ${flow(keywords)}`,
    `    facts: ${flow(g.goal)}`,
    'actions:',
  ];
  for (const a of g.actions) {
    lines.push(`  - id: ${a.id}`, `    description: ${JSON.stringify(`(${[a.name, ...a.args].join(' ')})`)}`);
    if (a.requires.length) lines.push(`    requires: ${flow(a.requires)}`);
    if (a.provides.length) lines.push(`    provides: ${flow(a.provides)}`);
    if (a.removes.length) lines.push(`    removes: ${flow(a.removes)}`);
  }
  lines.push('rules: []', '');
  return lines.join('\n');
}

export interface PddlImport {
  set: ProcedureSet;
  yaml: string;
  issues: LintIssue[];
  domain: PddlDomain;
  problem: PddlProblem;
  grounding: Grounding;
}

/**
 * Reads, grounds and converts; `file` is where the YAML will live (named in lint messages). `named` actions (from a
 * plan being validated) are grounded even if pruned. The set is loaded back from the YAML, so it is exactly what
 * the written file will hold.
 */
export function importPddl(domainFile: string, problemFile: string, file: string, named: { name: string; args: string[] }[] = []): PddlImport {
  const { domain, problem } = readPddl(domainFile, problemFile);
  const grounding = groundProblem(domain, problem, named);
  if (grounding.goal.length === 0) throw new InputError('the goal is empty or holds of static facts alone: there is nothing to plan', { file: problemFile });
  const yaml = renderProcedureYaml(domain, problem, grounding);
  const parsed = parseProcedureText(yaml, file);
  if (!parsed.set) throw new InputError(`could not convert: ${parsed.issues[0]?.message ?? 'unknown reason'}`, { file: problemFile });
  return { set: parsed.set, yaml, issues: [...parsed.issues, ...lintSet(parsed.set)], domain, problem, grounding };
}
