// Finds the actions a person's sentence names: by id, by id with spaces, or by the stems of the id's and description's words.
import type { ActionDef } from '../procedures/types.js';

/** What the reader knows of an action: its id, and when a procedure set is at hand, its words and facts. */
export type ActionInfo = Pick<ActionDef, 'id'> & Partial<Pick<ActionDef, 'description' | 'requires' | 'provides'>>;

interface Mention {
  action: string;
  /** Character span in the clause. */
  start: number;
  end: number;
}

const SUFFIXES = ['ications', 'ication', 'ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ers', 'er', 'ied', 'ies', 'ed', 'es', 'al', 's'];

/** Words that mean the same action verb in feedback ("sign-off" is an approval, "announce" a notification). */
const ALIASES = new Map<string, string>([
  ['sign', 'approv'],
  ['signoff', 'approv'],
  ['signof', 'approv'],
  ['authoriz', 'approv'],
  ['authoris', 'approv'],
  ['announc', 'notif'],
  ['inform', 'notif'],
]);

/** A crude stem, so "notified", "notify" and "notification" meet, and "deployer" meets "deploy". */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/[^a-z0-9]/g, '');
  // Twice, so "implementation" and "approvals" meet "implement" and "approve".
  for (let pass = 0; pass < 2; pass++) {
    const s = SUFFIXES.find((x) => w.length - x.length >= 3 && w.endsWith(x));
    if (!s) break;
    w = w.slice(0, -s.length);
  }
  if (w.length > 3) w = w.replace(/[eyi]$/, '');
  if (/([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  return ALIASES.get(w) ?? w;
}

/** Words that join or relate mentions: a multi-word name never spans them. */
const RELATION = new Set(['before', 'after', 'without', 'until', 'unless', 'then', 'first', 'and', 'or', 'but', 'by', 'not', 'never', 'no', 'than', 'different', 'same', 'while', 'once', 'right', 'immediately', 'directly', 'followed', 'prior', 'ahead']);
/** Too common to name an action on their own ("run", "check", "the plan"). */
const GENERIC = new Set(['run', 'do', 'make', 'check', 'get', 'set', 'go', 'come', 'use', 'add', 'remove', 'keep', 'skip', 'take', 'plan', 'step', 'open', 'close', 'done', 'new', 'all', 'the', 'must', 'should', 'be', 'is', 'are', 'it', 'off', 'file', 'list'].map(stem));

interface Token {
  stem: string;
  start: number;
  end: number;
}

/** Words, with "sign-off" / "sign off" kept as one word. */
function tokenize(text: string): Token[] {
  return [...text.matchAll(/sign[\s-]?offs?\b|[a-z0-9]+/gi)].map((m) => ({ stem: stem(m[0]), start: m.index, end: m.index + m[0].length }));
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Facts link two actions when one provides what the other requires. */
function linked(a: ActionInfo, b: ActionInfo): boolean {
  const provides = (x: ActionInfo, y: ActionInfo) => (x.provides ?? []).some((f) => (y.requires ?? []).includes(f));
  return provides(a, b) || provides(b, a);
}

/**
 * Every action named in `clause`, in order. Exact ids win, then all of an id's words close together ("the staging
 * deploy"), then a single distinctive word ("the approver"); a word several actions share counts only when one of
 * them is allowed and linked by facts to another action the clause names ("the approver and the deployer").
 */
export function findMentions(clause: string, actions: ActionInfo[], forbidden: ReadonlySet<string> = new Set(), roles: readonly string[] = []): Mention[] {
  const tokens = tokenize(clause);
  const used = new Array<boolean>(tokens.length).fill(false);
  // "The release manager" names a role, not approve-release.
  for (const role of roles) {
    for (const m of clause.matchAll(new RegExp(`(?<![a-z0-9-])${escapeRegex(role).replace(/-/g, '[\\s-]')}(?![a-z0-9-])`, 'gi'))) {
      tokens.forEach((t, k) => (used[k] ||= t.start >= m.index && t.end <= m.index + m[0].length));
    }
  }
  const found: Mention[] = [];
  const claim = (action: string, from: number, to: number) => {
    for (let k = from; k <= to; k++) used[k] = true;
    found.push({ action, start: tokens[from]!.start, end: tokens[to]!.end });
  };

  // 1. Exact ids, or ids with spaces for hyphens, as whole words (longest first: "deploy-production-eu" before "deploy-production").
  for (const a of [...actions].sort((x, y) => y.id.length - x.id.length)) {
    for (const form of new Set([a.id, a.id.replace(/-/g, ' ')])) {
      for (const m of clause.matchAll(new RegExp(`(?<![a-z0-9-])${escapeRegex(form)}(?![a-z0-9-])`, 'gi'))) {
        const span = tokens.map((t, k) => [t, k] as const).filter(([t]) => t.start >= m.index && t.end <= m.index + m[0].length).map(([, k]) => k);
        if (span.length && span.every((k) => !used[k])) claim(a.id, span[0]!, span[span.length - 1]!);
      }
    }
  }

  // 2. All of an id's words near each other, in any order, the shortest windows first.
  const windows: { action: string; from: number; to: number }[] = [];
  for (const a of actions) {
    const words = [...new Set(a.id.split(/[^a-z0-9]+/i).filter(Boolean).map(stem))];
    if (words.length < 2) continue;
    for (let i = 0; i < tokens.length; i++) {
      if (!words.includes(tokens[i]!.stem)) continue;
      const seen = new Set<string>();
      for (let j = i; j < tokens.length && j - i < words.length + 3; j++) {
        const t = tokens[j]!;
        if (used[j] || (RELATION.has(t.stem) && j > i)) break;
        if (words.includes(t.stem)) seen.add(t.stem);
        if (seen.size === words.length) {
          windows.push({ action: a.id, from: i, to: j });
          break;
        }
      }
    }
  }
  windows.sort((x, y) => x.to - x.from - (y.to - y.from) || x.from - y.from);
  for (const w of windows) {
    let free = true;
    for (let k = w.from; k <= w.to; k++) free &&= !used[k];
    if (free) claim(w.action, w.from, w.to);
  }

  // 3. One distinctive word: an id word or the description's verb.
  const keys = new Map<string, string[]>();
  for (const a of actions) {
    const words = a.id.split(/[^a-z0-9]+/i).filter(Boolean);
    const verb = a.description?.trim().split(/\s+/)[0];
    for (const w of new Set([...words, ...(verb ? [verb] : [])].map(stem))) {
      if (w.length < 3 || GENERIC.has(w) || RELATION.has(w)) continue;
      keys.set(w, [...(keys.get(w) ?? []), a.id]);
    }
  }
  const byId = new Map(actions.map((a) => [a.id, a]));
  const ambiguous: { k: number; candidates: string[] }[] = [];
  tokens.forEach((t, k) => {
    if (used[k]) return;
    let candidates = keys.get(t.stem) ?? [];
    if (candidates.length > 1 && candidates.some((c) => !forbidden.has(c))) candidates = candidates.filter((c) => !forbidden.has(c));
    if (candidates.length === 1) claim(candidates[0]!, k, k);
    else if (candidates.length > 1) ambiguous.push({ k, candidates });
  });
  for (const { k, candidates } of ambiguous) {
    const named = found.map((m) => byId.get(m.action)).filter((a): a is ActionInfo => a !== undefined);
    const fits = candidates.filter((c) => named.some((n) => n.id !== c && linked(byId.get(c)!, n)));
    if (fits.length === 1) claim(fits[0]!, k, k);
  }

  found.sort((x, y) => x.start - y.start);
  // "approve the release" names one action twice: one mention.
  const merged: Mention[] = [];
  for (const m of found) {
    const last = merged.at(-1);
    if (last && last.action === m.action && /^[\s-]*(?:(?:the|a|an|of|to|for)\s+)*$/i.test(clause.slice(last.end, m.start))) last.end = m.end;
    else merged.push({ ...m });
  }
  return merged;
}

/** The clause with every mention replaced by `«action-id»`, for the reader's patterns. */
export function markMentions(clause: string, mentions: Mention[]): string {
  let out = '';
  let pos = 0;
  for (const m of mentions) {
    out += `${clause.slice(pos, m.start)}«${m.action}»`;
    pos = m.end;
  }
  return out + clause.slice(pos);
}
