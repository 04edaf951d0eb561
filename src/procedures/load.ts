// Loads procedure sets from YAML files and reports every mistake with its file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../core/errors.js';
import { lintLibrary } from './lint.js';
import {
  OBJECTIVES,
  type ActionDef,
  type GoalDef,
  type LintIssue,
  type ProcedureLibrary,
  type ProcedureSet,
  type Objective,
  type RosterEntry,
  type Rule,
  type RuleKind,
  type Severity,
} from './types.js';
import { kindOf, RULE_KINDS } from './rules/index.js';
import type { RuleFields } from './rules/kind.js';
import { decodeUtf8, yamlErrorText } from '../core/text.js';

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const ID = /^[a-z0-9][a-z0-9._-]*$/i;

/** Collects issues for one file; `fail` records an error and aborts that file. */
class FileReader {
  readonly issues: LintIssue[] = [];
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}
  line(node: unknown): number {
    const range = (node as Node | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : 1;
  }
  error(node: unknown, message: string): void {
    this.issues.push({ severity: 'error', file: this.file, line: this.line(node), message });
  }
}

class Abort extends Error {}

/** A readable description from an id, for sets converted from models that have none ("deploy-production" → "Deploy production"). */
function describeId(id: string): string {
  const text = id.replace(/[-_.]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function get(map: YAMLMap, key: string): Node | undefined {
  return map.get(key, true) as Node | undefined;
}

function str(r: FileReader, map: YAMLMap, key: string, where: string, required = true): string | undefined {
  const node = get(map, key);
  if (node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) {
    if (required) r.error(map, `${where}: "${key}" is missing`);
    return undefined;
  }
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) {
    r.error(node, `${where}: "${key}" must be text`);
    return undefined;
  }
  return String(node.value).trim();
}

function strList(r: FileReader, map: YAMLMap, key: string, where: string): string[] {
  const node = get(map, key);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) {
    r.error(node, `${where}: "${key}" must be a list`);
    return [];
  }
  const out: string[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || (typeof item.value !== 'string' && typeof item.value !== 'number') || String(item.value).trim() === '') {
      r.error(item, `${where}: every entry of "${key}" must be non-empty text`);
      continue;
    }
    out.push(String(item.value).trim());
  }
  return out;
}

function checkKeys(r: FileReader, map: YAMLMap, allowed: string[], where: string): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!allowed.includes(key)) r.error(pair.key, `${where}: unknown field "${key}" (expected ${allowed.join(', ')})`);
  }
}

function checkId(r: FileReader, node: YAMLMap, id: string | undefined, where: string): id is string {
  if (id === undefined) return false;
  if (!ID.test(id)) {
    r.error(get(node, 'id'), `${where}: id "${id}" may only hold letters, digits, ".", "_" and "-"`);
    return false;
  }
  return true;
}

/** An entry of a list (an action, a goal, a rule): a mapping, named by its id in messages (`action "deploy"`). */
function entryOf(r: FileReader, item: Node, what: string): { node: YAMLMap; id: string | undefined; where: string } | undefined {
  if (!isMap(item)) {
    r.error(item, `each ${what} must be a mapping`);
    return undefined;
  }
  const id = str(r, item, 'id', what);
  return { node: item, id, where: `${what} "${id ?? '?'}"` };
}

/** The entry's keys checked against `allowed`, then its id: the id when it is a valid one. */
function checkedId(r: FileReader, entry: { node: YAMLMap; id: string | undefined; where: string }, allowed: string[], what: string): string | undefined {
  checkKeys(r, entry.node, allowed, entry.where);
  return checkId(r, entry.node, entry.id, what) ? entry.id : undefined;
}

/** An action's or goal's opening: a valid id and its description (said from the id when there is none). */
function describedEntry(r: FileReader, item: Node, what: string, allowed: string[]) {
  const entry = entryOf(r, item, what);
  const id = entry && checkedId(r, entry, allowed, what);
  if (!entry || id === undefined) return undefined;
  const { node, where } = entry;
  const description = str(r, node, 'description', where, false) ?? describeId(id);
  return { node, where, id, description, source: { file: r.file, line: r.line(node) }, list: (key: string) => strList(r, node, key, where) };
}

function readAction(r: FileReader, item: Node): ActionDef | undefined {
  const entry = describedEntry(r, item, 'action', ['id', 'description', 'requires', 'provides', 'removes', 'fields', 'role', 'duration', 'cost', 'risk']);
  if (!entry) return undefined;
  const { node, where, id, description, source, list } = entry;
  const action: ActionDef = {
    id,
    description,
    requires: list('requires'),
    provides: list('provides'),
    removes: list('removes'),
    fields: list('fields'),
    source,
  };
  const role = str(r, node, 'role', where, false);
  if (role) action.role = role;
  readQuality(r, node, action, where);
  if (action.provides.length === 0 && action.removes.length === 0) r.error(node, `${where}: provides no facts and removes none, so it can never help a plan`);
  return action;
}

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };

/** `30m`, `4h`, `2d`, `1d 4h` (a day is 24 hours) as minutes; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const parts = text.trim().toLowerCase().split(/\s+/);
  let minutes = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(part);
    if (!m) return undefined;
    minutes += Number(m[1]) * UNIT_MINUTES[m[2]!]!;
  }
  return parts.length > 0 && Number.isFinite(minutes) ? Math.round(minutes) : undefined;
}

const RISK_LEVELS: Record<string, number> = { low: 0.05, medium: 0.15, high: 0.35 };

/** Reads an action's optional duration, cost and risk into `action`. */
function readQuality(r: FileReader, node: YAMLMap, action: ActionDef, where: string): void {
  const duration = get(node, 'duration');
  if (duration !== undefined) {
    const text = isScalar(duration) && (typeof duration.value === 'string' || typeof duration.value === 'number') ? String(duration.value) : '';
    const minutes = parseDuration(text);
    if (minutes === undefined) r.error(duration, `${where}: "duration" must be like 30m, 4h, 2d or 1d 4h, got "${text}"`);
    else action.duration = minutes;
  }
  const cost = get(node, 'cost');
  if (cost !== undefined) {
    const value = isScalar(cost) ? cost.value : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      r.error(cost, `${where}: "cost" must be a number of at least 0, got "${String(value ?? '(a list or mapping)')}"`);
    else action.cost = value;
  }
  const risk = get(node, 'risk');
  if (risk !== undefined) {
    const value = isScalar(risk) ? risk.value : undefined;
    const level =
      typeof value === 'string' ? RISK_LEVELS[value.trim().toLowerCase()] : typeof value === 'number' && value >= 0 && value <= 1 ? value : undefined;
    if (level === undefined)
      r.error(risk, `${where}: "risk" must be low, medium, high or a number from 0 to 1, got "${String(value ?? '(a list or mapping)')}"`);
    else action.risk = level;
  }
}

/** A goal's objectives: an ordered, duplicate-free list of makespan, cost, risk, steps. */
function readObjectives(r: FileReader, node: YAMLMap, where: string): Objective[] | undefined {
  const listNode = get(node, 'objectives');
  const items = strList(r, node, 'objectives', where);
  if (!isSeq(listNode)) return undefined;
  if (items.length === 0) {
    r.error(listNode, `${where}: "objectives" must list at least one of ${OBJECTIVES.join(', ')}`);
    return undefined;
  }
  const out: Objective[] = [];
  for (const [i, item] of items.entries()) {
    const at = listNode.items[i];
    if (!(OBJECTIVES as readonly string[]).includes(item)) {
      r.error(at, `${where}: unknown objective "${item}" (expected ${OBJECTIVES.join(', ')})`);
      return undefined;
    }
    if (out.includes(item as Objective)) {
      r.error(at, `${where}: objective "${item}" is listed twice`);
      return undefined;
    }
    out.push(item as Objective);
  }
  return out;
}

function readGoal(r: FileReader, item: Node): GoalDef | undefined {
  const entry = describedEntry(r, item, 'goal', ['id', 'description', 'keywords', 'facts', 'initial', 'objectives']);
  if (!entry) return undefined;
  const { node, where, id, description, source, list } = entry;
  const goal: GoalDef = { id, description, keywords: list('keywords'), facts: list('facts'), source };
  if (goal.facts.length === 0) r.error(node, `${where}: "facts" must list at least one goal fact`);
  if (get(node, 'initial') !== undefined) goal.initial = strList(r, node, 'initial', where);
  if (get(node, 'objectives') !== undefined) {
    const objectives = readObjectives(r, node, where);
    if (objectives) goal.objectives = objectives;
  }
  return goal;
}

/** A rule mapping's keys as a kind's reader asks for them (see rules/kind.ts), errors said as `rule "<id>": ...`. */
function ruleFields(r: FileReader, node: YAMLMap, where: string): RuleFields {
  return {
    text: (key) => str(r, node, key, where),
    list: (key) => strList(r, node, key, where),
    has: (key) => get(node, key) !== undefined,
    number: (key) => {
      const value = get(node, key);
      return isScalar(value) ? Number(value.value) : NaN;
    },
    fail: (message, key) => {
      r.error((key === undefined ? undefined : get(node, key)) ?? node, `${where}: ${message}`);
      return undefined;
    },
  };
}

/** The kind a rule names, reported when it names none or an unknown one. */
function ruleKindOf(r: FileReader, node: YAMLMap, where: string): RuleKind | undefined {
  const kind = str(r, node, 'kind', where);
  if (kind === undefined) return undefined;
  if ((RULE_KINDS as readonly string[]).includes(kind)) return kind as RuleKind;
  r.error(get(node, 'kind'), `${where}: unknown rule kind "${kind}" (expected ${RULE_KINDS.join(', ')})`);
  return undefined;
}

function readRule(r: FileReader, item: Node): Rule | undefined {
  const entry = entryOf(r, item, 'rule');
  const kind = entry && ruleKindOf(r, entry.node, entry.where);
  if (!entry || kind === undefined) return undefined;
  const def = kindOf({ kind });
  const id = checkedId(r, entry, ['id', 'kind', 'severity', 'description', ...def.keys], 'rule');
  if (id === undefined) return undefined;
  const { node, where } = entry;
  const sevText = str(r, node, 'severity', where, false) ?? 'error';
  if (sevText !== 'error' && sevText !== 'warning') r.error(get(node, 'severity'), `${where}: severity must be "error" or "warning", got "${sevText}"`);
  const base = {
    id,
    severity: (sevText === 'warning' ? 'warning' : 'error') as Severity,
    description: str(r, node, 'description', where, false),
    source: { file: r.file, line: r.line(node) },
  };
  if (base.description === undefined) delete base.description;
  const content = def.read(ruleFields(r, node, where));
  return content ? ({ ...base, kind, ...content } as Rule) : undefined;
}

/** One roster entry: a person and the roles they hold. */
function readRosterEntry(r: FileReader, node: Node): RosterEntry | undefined {
  if (!isMap(node)) {
    r.error(node, 'each roster entry must be a mapping with person and roles');
    return undefined;
  }
  const person = str(r, node, 'person', 'roster entry');
  const where = `roster entry "${person ?? '?'}"`;
  checkKeys(r, node, ['person', 'roles'], where);
  const roles = strList(r, node, 'roles', where);
  if (person === undefined) return undefined;
  if (roles.length === 0) {
    r.error(node, `${where}: "roles" must list at least one role`);
    return undefined;
  }
  return { person, roles, source: { file: r.file, line: r.line(node) } };
}

function seq(r: FileReader, map: YAMLMap, key: string, required: boolean): Node[] {
  const node = get(map, key);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    if (required) r.error(map, `"${key}" is missing`);
    return [];
  }
  if (!isSeq(node)) {
    r.error(node, `"${key}" must be a list`);
    return [];
  }
  return node.items as Node[];
}

/** Parses one procedure file; returns the set (when readable) and every issue found. */
export function parseProcedureText(text: string, file: string): { set: ProcedureSet | undefined; issues: LintIssue[] } {
  const lines = new LineCounter();
  const r = new FileReader(file, lines);
  try {
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const e = yamlErrorText(err);
        r.issues.push({ severity: 'error', file, line: e.line, message: `invalid YAML: ${e.message}` });
      }
      throw new Abort();
    }
    const root = doc.contents;
    if (!isMap(root)) {
      r.error(root, 'a procedure file must be a mapping with id, name, initial, goals, actions and rules');
      throw new Abort();
    }
    checkKeys(r, root, ['id', 'name', 'description', 'initial', 'goals', 'actions', 'rules', 'roster'], 'procedure');
    const id = str(r, root, 'id', 'procedure');
    if (!checkId(r, root, id, 'procedure')) throw new Abort();
    const set: ProcedureSet = {
      id,
      name: str(r, root, 'name', 'procedure', false) ?? id,
      description: str(r, root, 'description', 'procedure', false) ?? '',
      file,
      initial: strList(r, root, 'initial', 'procedure'),
      goals: seq(r, root, 'goals', true)
        .map((n) => readGoal(r, n))
        .filter((g): g is GoalDef => g !== undefined),
      actions: seq(r, root, 'actions', true)
        .map((n) => readAction(r, n))
        .filter((a): a is ActionDef => a !== undefined),
      rules: seq(r, root, 'rules', false)
        .map((n) => readRule(r, n))
        .filter((x): x is Rule => x !== undefined),
    };
    const roster = seq(r, root, 'roster', false)
      .map((n) => readRosterEntry(r, n))
      .filter((x): x is RosterEntry => x !== undefined);
    if (roster.length) set.roster = roster;
    return { set, issues: r.issues };
  } catch (err) {
    if (err instanceof Abort) return { set: undefined, issues: r.issues };
    throw err;
  }
}

function procedureFiles(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError('not a folder', { file: dir });
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read procedures folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: dir });
  }
  const files = entries
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) throw new InputError('no procedure files (*.yaml) found: run `jupiter init` or pass --procedures', { file: dir });
  return files;
}

/** Loads every set in `dir` and lints them; never throws for a mistake inside a file. */
export function loadProceduresWithIssues(dir: string): { library: ProcedureLibrary; issues: LintIssue[] } {
  const sets: ProcedureSet[] = [];
  const issues: LintIssue[] = [];
  for (const file of procedureFiles(dir)) {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      issues.push({ severity: 'error', file, line: 1, message: `file is ${size} bytes; procedure files are limited to ${MAX_FILE_BYTES}` });
      continue;
    }
    const { text, badLine } = decodeUtf8(readFileSync(file));
    if (badLine !== null) {
      issues.push({ severity: 'error', file, line: badLine, message: 'file is not valid UTF-8' });
      continue;
    }
    const parsed = parseProcedureText(text, file);
    issues.push(...parsed.issues);
    if (parsed.set) sets.push(parsed.set);
  }
  const library = { dir, sets };
  issues.push(...lintLibrary(library));
  return { library, issues };
}

/** Loads the library; the first error (by file and line) becomes a one-line InputError. */
export function loadProcedures(dir: string): ProcedureLibrary {
  const { library, issues } = loadProceduresWithIssues(dir);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more: run \`jupiter procedures\`)` : '';
    throw new InputError(first.message + more, { file: first.file, line: first.line });
  }
  return library;
}
