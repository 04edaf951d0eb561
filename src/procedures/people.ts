// Who does a step: owner text read as a role and, optionally, a named person, compared after normalising, so no
// spelling of one person ("Priya Nair", "priya-nair (release-manager)", "Nair, Priya") passes for two people.
import type { ProcedureSet, RosterEntry } from './types.js';

/**
 * Case, spacing, punctuation, accents, word order and an email domain never make a new name: "Priya  Nair.",
 * "priya-nair", "Nair, Priya", "Priya Naír" and "priya.nair@example.com" are one. Order is ignored (its words sorted):
 * a surname written first must not pass for a second person beside the approver.
 */
export function normalName(text: string): string {
  const local = /^\s*([^\s@]+)@[^\s@]+\.[^\s@]+\s*$/.exec(text)?.[1] ?? text;
  return local
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .sort()
    .join(' ');
}

/** A step's owner as read: the person (normalised) when one is named or the roster leaves one choice, and the role. */
export interface Identity {
  person?: string;
  role?: string;
}

/** A trailing "(...)" group: "Priya Nair (release-manager)" → ["Priya Nair", "release-manager"]. */
const SUFFIX = /^(.*?)\s*\(([^()]*)\)\s*$/;

/** The roles and roster of one procedure set, for reading and comparing owners. */
export class People {
  private readonly roles = new Set<string>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly actionRole = new Map<string, string>();
  private readonly roster: RosterEntry[];

  constructor(set: Pick<ProcedureSet, 'actions' | 'roster'>) {
    this.roster = set.roster ?? [];
    for (const a of set.actions) {
      if (!a.role) continue;
      this.actionRole.set(a.id, normalName(a.role));
      this.roles.add(normalName(a.role));
    }
    for (const entry of set.roster ?? []) {
      for (const role of entry.roles) {
        const r = normalName(role);
        this.roles.add(r);
        this.holders.set(r, new Set([...(this.holders.get(r) ?? []), normalName(entry.person)]));
      }
    }
  }

  /** Reads owner text for a step of `action`; an empty owner is the action's role. */
  identify(owner: unknown, action: string): Identity {
    let text = typeof owner === 'string' || typeof owner === 'number' ? String(owner).trim() : '';
    let suffixRole: string | undefined;
    // Parenthesised groups are a role when they name one, else a comment; never part of a person's name.
    for (let m = SUFFIX.exec(text); m; m = SUFFIX.exec(text)) {
      const inner = normalName(m[2]!);
      if (this.roles.has(inner)) suffixRole ??= inner;
      text = m[1]!;
    }
    const base = normalName(text);
    const fallback = suffixRole ?? this.actionRole.get(action);
    if (!base || this.roles.has(base)) return this.resolve(base || fallback);
    return fallback ? { person: base, role: fallback } : { person: base };
  }

  /** A role alone: its only holder on the roster is the person. */
  private resolve(role: string | undefined): Identity {
    if (!role) return {};
    const holders = this.holders.get(role);
    return holders?.size === 1 ? { person: [...holders][0]!, role } : { role };
  }

  /** Whether two steps may be done by one person: always when they name one, and for one role nobody split. */
  mayBeSame(a: Identity, b: Identity): boolean {
    if (a.person && b.person) return a.person === b.person;
    if (a.person) return this.couldHold(a, b.role);
    if (b.person) return this.couldHold(b, a.role);
    if (!a.role || !b.role) return false;
    const ha = this.holders.get(a.role);
    const hb = this.holders.get(b.role);
    if (ha?.size && hb?.size) return [...ha].some((p) => hb.has(p));
    return a.role === b.role;
  }

  /** Whether the named person `p` may be the unnamed holder of `role`. */
  private couldHold(p: Identity, role: string | undefined): boolean {
    if (!role) return false;
    const holders = this.holders.get(role);
    return holders?.size ? holders.has(p.person!) : p.role === role;
  }

  /** Whether a step's owner is who an owner rule names (a person, or anyone holding a role). */
  satisfies(step: Identity, wanted: Identity): boolean {
    if (wanted.person) return step.person === wanted.person;
    if (!wanted.role) return false;
    if (step.role === wanted.role) return true;
    return step.person !== undefined && (this.holders.get(wanted.role)?.has(step.person) ?? false);
  }

  /** Who is busy while a step runs: its person, else its role (a pool of one), else nobody shared. */
  resource(id: Identity, step: number): string {
    return id.person ? `person:${id.person}` : id.role ? `role:${id.role}` : `\u0000step ${step}`;
  }

  /** The roster's people holding `role` (as written in the roster), in roster order. */
  holdersOf(role: string): string[] {
    const r = normalName(role);
    return this.roster.filter((e) => e.roles.some((x) => normalName(x) === r)).map((e) => e.person);
  }
}
