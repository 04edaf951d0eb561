// Turns a PDDL domain and problem into a jupiter procedure set (YAML text and the loaded set), linted like any other.
import { InputError } from '../../core/errors.js';
import { readTextFile } from '../../core/text-file.js';
import { lintSet } from '../lint.js';
import { parseProcedureText } from '../load.js';
import type { LintIssue, ProcedureSet } from '../types.js';
import { groundProblem, type Grounding } from './ground.js';
import { parseDomain, parseProblem, type PddlDomain, type PddlProblem } from './parse.js';

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
  const read: LintIssue[] = [...domain.warnings, ...problem.warnings].map((w) => ({ severity: 'warning', ...w }));
  return { set: parsed.set, yaml, issues: [...read, ...parsed.issues, ...lintSet(parsed.set)], domain, problem, grounding };
}
