// memory/human_rules.md: the rules people's feedback was read into, one editable line each, derived from the
// review records in the execution log (the source of truth) behind a watermark, so a person's edits and deletions stick.
import { statSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { commaLines } from '../core/text.js';
import { readRegular, statRegular } from '../core/fs/regular.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { humanRule, parseRuleLine, ruleLine } from '../feedback/rule-text.js';
import { kindOf, RULE_KINDS, ruleKinds } from '../procedures/rules/index.js';
import type { Rule, RuleBody, RuleKind } from '../procedures/types.js';
import type { LogRecord } from './record.js';

export type RuleScope = { kind: 'goal'; procedure: string; goalId: string } | { kind: 'session'; session: string };

export interface HumanRuleEntry {
  rule: Rule;
  scope: RuleScope;
  /** The goal the rule was given on: the heading it is filed under (absent for a session line a person filed under none). */
  procedure?: string;
  goalId?: string;
  /** Whether a person confirmed the reading (a line a person wrote counts as confirmed). */
  confirmed: boolean;
  /** The person's words the rule was read from. */
  quote?: string;
  /** The line of human_rules.md it was read from (1-based), when it was read from the file. */
  line?: number;
}

export interface HumanRulesQuery {
  procedure: string;
  goalId: string;
  session: string;
  /** Only rules a person confirmed (default: every rule in scope, confirmed or not). */
  confirmedOnly?: boolean;
}

const INTRO = `Rules read from people's feedback. From the next iteration on, the validator checks every rule in scope as an
error. One line per rule: the rule · where it applies (goal <procedure>/<goal>, or session <id>) · confirmed or
unconfirmed · the person's words. Delete a line to drop the rule, edit it to change it, or add one. The rule forms:
${commaLines(
  ruleKinds().flatMap((k) => k.forms.map((f) => `\`${f}\``)),
  ' (a, b: action ids).',
  118,
)}`;

const WATERMARK = /^<!-- jupiter: through log entry (\d+) -->$/;
const HEADING = /^##\s+([^/\s]+)\s*\/\s*(\S+)\s*$/;
const SEP = ' · ';

const scopeKey = (s: RuleScope) => (s.kind === 'goal' ? `goal ${s.procedure}/${s.goalId}` : `session ${s.session}`);
const keyOf = (e: HumanRuleEntry) => `${e.rule.id}|${scopeKey(e.scope)}`;

function parseScope(text: string | undefined, heading: { procedure: string; goalId: string } | undefined): RuleScope | undefined {
  const t = text?.trim();
  if (!t) return heading ? { kind: 'goal', ...heading } : undefined;
  const goal = /^goal\s+([^/\s]+)\/(\S+)$/.exec(t);
  if (goal) return { kind: 'goal', procedure: goal[1]!, goalId: goal[2]! };
  const session = /^session\s+(\S+)$/.exec(t);
  return session ? { kind: 'session', session: session[1]! } : undefined;
}

/** Reads the file: entries, the watermark, and lines that are not rules (reported, never silently dropped). */
export function parseHumanRules(text: string): { entries: HumanRuleEntry[]; watermark: number; skipped: { line: number; text: string }[] } {
  const entries: HumanRuleEntry[] = [];
  const skipped: { line: number; text: string }[] = [];
  let watermark = 0;
  let heading: { procedure: string; goalId: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const wm = WATERMARK.exec(line);
    if (wm) return void (watermark = Number(wm[1]));
    const h = HEADING.exec(line);
    if (h) return void (heading = { procedure: h[1]!, goalId: h[2]! });
    if (line.startsWith('#')) return void (heading = undefined);
    if (!/^[-*](\s|$)/.test(line)) return;
    const [ruleText, scopeText, confirmedText, ...rest] = line.replace(/^[-*]\s*/, '').split(SEP);
    const body = parseRuleLine(ruleText ?? '');
    const scope = parseScope(scopeText, heading);
    const confirmed =
      confirmedText === undefined ? true : confirmedText.trim() === 'confirmed' ? true : confirmedText.trim() === 'unconfirmed' ? false : undefined;
    if (!body || !scope || confirmed === undefined) return void skipped.push({ line: i + 1, text: line.slice(0, 80) });
    const quote =
      rest
        .join(SEP)
        .trim()
        .replace(/^"([\s\S]*)"$/, '$1') || undefined;
    entries.push({ rule: humanRule(body, quote), scope, confirmed, line: i + 1, ...(quote ? { quote } : {}), ...(heading ? heading : {}) });
  });
  return { entries, watermark, skipped };
}

function entryLine(e: HumanRuleEntry): string {
  const quote = e.quote ? `${SEP}"${e.quote.replace(/\s+/g, ' ').trim()}"` : '';
  return `- ${ruleLine(e.rule)}${SEP}${scopeKey(e.scope)}${SEP}${e.confirmed ? 'confirmed' : 'unconfirmed'}${quote}`;
}

function renderHumanRules(entries: HumanRuleEntry[], watermark: number): string {
  const groups = new Map<string, HumanRuleEntry[]>();
  for (const e of entries) {
    const key = e.procedure && e.goalId ? `${e.procedure} / ${e.goalId}` : 'Other';
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const lines = ['# Human rules', '', INTRO, ''];
  for (const key of [...groups.keys()].sort()) {
    lines.push(`## ${key}`, '', ...groups.get(key)!.map(entryLine), '');
  }
  lines.push(`<!-- jupiter: through log entry ${watermark} -->`, '');
  return lines.join('\n');
}

/** A rule as the log holds it, checked field by field against its kind's schema (the log is JSON a person could have touched). */
function ruleFromLog(v: unknown, quote: string | undefined): Rule | undefined {
  const kind = (v as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(RULE_KINDS as readonly string[]).includes(kind)) return undefined;
  const read = kindOf({ kind: kind as RuleKind }).schema.safeParse(v);
  return read.success ? humanRule(read.data as RuleBody, quote) : undefined;
}

/** Two rules no plan can both obey when it uses their actions: always X / never X, X before Y / Y before X. */
export const contradicts = (a: Rule, b: Rule): boolean => kindOf(a).contradicts?.(a, b) ?? false;

/** Whether rules of these two scopes apply to one run: the same goal or session, or a session's rule beside its goal's. */
export function together(a: HumanRuleEntry, b: HumanRuleEntry): boolean {
  const goalOf = (e: HumanRuleEntry) =>
    e.scope.kind === 'goal' ? `${e.scope.procedure}/${e.scope.goalId}` : e.procedure ? `${e.procedure}/${e.goalId}` : undefined;
  if (a.scope.kind === 'session' && b.scope.kind === 'session') return a.scope.session === b.scope.session;
  return goalOf(a) !== undefined && goalOf(a) === goalOf(b);
}

/**
 * The rules already kept that `rule` would contradict in `scope` (filed under `procedure`/`goalId`): what a reviewer
 * shows a person before a reading is confirmed, and what keeps a contradicting rule out of the file.
 */
export function conflictsFor(entries: Iterable<HumanRuleEntry>, rule: Rule, scope: RuleScope, goal?: { procedure: string; goalId: string }): HumanRuleEntry[] {
  const candidate: HumanRuleEntry = { rule, scope, confirmed: true, ...(goal ?? {}) };
  return [...entries].filter((e) => contradicts(e.rule, rule) && together(e, candidate));
}

/** A kept rule a new reading contradicts, as a person is shown it: the rule's line, their words, and where it is kept. */
export interface RuleConflict {
  rule: string;
  quote?: string;
  file: string;
  /** 1-based line in the file (absent when the file was deleted and the rule lives only in the log). */
  line?: number;
}

/** The markdown file and what it holds, kept in step with the log and with a person's edits. */
export class HumanRulesFile {
  entries = new Map<string, HumanRuleEntry>();
  watermark = 0;
  skipped: { line: number; text: string }[] = [];
  private sig: { mtimeMs: number; size: number } | null = null;
  /** The watermark as last read from or written to disk. */
  private written = 0;
  private loaded = false;

  /** `marker` remembers how far the file was written, so a file a person deleted is not rebuilt from the log. */
  constructor(
    readonly file: string,
    readonly marker: string,
  ) {}

  /** Re-reads the file when it changed on disk (a person's edit, or another process's commit). */
  refresh(): void {
    // A link or special file is refused with an error naming it, never followed.
    const st = statRegular(this.file);
    if (!st) {
      if (this.sig) {
        // Deleted by a person while we watched: forget every rule, not what the log says.
        this.entries = new Map();
        this.sig = null;
        this.written = 0;
        this.skipped = [];
      } else if (!this.loaded) {
        // Deleted before this process started (the marker says how far it was written), or never written (rebuild).
        const written = Number(readFileSafe(this.marker)?.trim());
        this.watermark = Number.isInteger(written) && written > 0 ? written : 0;
      }
      this.loaded = true;
      return;
    }
    this.loaded = true;
    if (this.sig && this.sig.mtimeMs === st.mtimeMs && this.sig.size === st.size) return;
    const parsed = parseHumanRules(readFileSafe(this.file) ?? '');
    this.entries = new Map(parsed.entries.map((e) => [keyOf(e), e]));
    this.watermark = parsed.watermark;
    this.written = parsed.watermark;
    this.skipped = parsed.skipped;
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
  }

  /** Adds the rules a review record carries; true when the file's content changed. */
  apply(rec: LogRecord): boolean {
    if (rec.seq <= this.watermark) return false;
    this.watermark = rec.seq;
    if (rec.type !== 'review' || rec.review !== 'rejection' || !Array.isArray(rec.constraints) || rec.constraints.length === 0) return false;
    const quote = rec.reason?.replace(/\s+/g, ' ').trim() || undefined;
    const scope: RuleScope = rec.scope === 'goal' ? { kind: 'goal', procedure: rec.procedure, goalId: rec.goalId } : { kind: 'session', session: rec.session };
    let changed = false;
    for (const raw of rec.constraints) {
      const rule = ruleFromLog(raw, quote);
      if (!rule) continue;
      const entry: HumanRuleEntry = {
        rule,
        scope,
        confirmed: rec.confirmed === true,
        procedure: rec.procedure,
        goalId: rec.goalId,
        ...(quote ? { quote } : {}),
      };
      const key = keyOf(entry);
      const old = this.entries.get(key);
      // A later confirmation of the same rule confirms it; a later unconfirmed reading does not unconfirm it.
      if (old && (old.confirmed || !entry.confirmed)) continue;
      // The file never holds two rules that contradict: a confirmed reading replaces the rule it contradicts (the
      // person's latest word: the reviewer showed them the kept rule, with `conflicts`, and they chose to replace it);
      // an unconfirmed one yields.
      const clashing = conflictsFor(this.entries.values(), rule, scope, { procedure: rec.procedure, goalId: rec.goalId });
      if (clashing.length && !entry.confirmed) continue;
      for (const e of clashing) this.entries.delete(keyOf(e));
      this.entries.set(key, entry);
      changed = true;
    }
    return changed;
  }

  /** Writes the file (and its marker) through the watermark; durable, since a person's edits live only here. */
  async write(): Promise<void> {
    await writeFileAtomic(this.file, renderHumanRules([...this.entries.values()], this.watermark));
    await writeFileAtomic(this.marker, `${this.watermark}\n`);
    const st = statSync(this.file);
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
    this.written = this.watermark;
    this.skipped = [];
  }

  /** The file on disk is through an earlier log entry than `seq` (it is rewritten only when a rule changes). */
  behindOnDisk(seq: number): boolean {
    return this.written < seq;
  }

  /**
   * The kept rules `rules` would contradict in `scope` (filed under `goal`), each with its line in the file as it is on
   * disk: what a person sees before confirming a reading that would replace them.
   */
  conflicts(rules: readonly Rule[], scope: RuleScope, goal: { procedure: string; goalId: string }): RuleConflict[] {
    this.refresh();
    const onDisk = new Map(parseHumanRules(readFileSafe(this.file) ?? '').entries.map((e) => [keyOf(e), e.line]));
    const clashing = new Map<string, HumanRuleEntry>();
    for (const rule of rules) for (const e of conflictsFor(this.entries.values(), rule, scope, goal)) clashing.set(keyOf(e), e);
    return [...clashing.entries()].map(([key, e]) => {
      const line = e.line ?? onDisk.get(key);
      return { rule: ruleLine(e.rule), file: this.file, ...(e.quote ? { quote: e.quote } : {}), ...(line !== undefined ? { line } : {}) };
    });
  }

  /** Rules in scope: the goal's, and the session's own; each rule once. */
  rules(q: HumanRulesQuery): Rule[] {
    const out = new Map<string, Rule>();
    for (const e of this.entries.values()) {
      if (q.confirmedOnly && !e.confirmed) continue;
      const inScope = e.scope.kind === 'goal' ? e.scope.procedure === q.procedure && e.scope.goalId === q.goalId : e.scope.session === q.session;
      if (inScope && !out.has(e.rule.id)) out.set(e.rule.id, e.rule);
    }
    return [...out.values()];
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readRegular(file).toString('utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    return undefined;
  }
}
