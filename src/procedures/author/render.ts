// Writes a drafted procedure set (a plain object) as the YAML people edit, and checks it like any procedure file.
import { Document, isScalar, visit } from 'yaml';
import { lintSet } from '../lint.js';
import { parseProcedureText } from '../load.js';
import type { LintIssue, ProcedureSet } from '../types.js';
import { isObj } from '../../core/value.js';

const TOP = ['id', 'name', 'description', 'initial', 'goals', 'actions', 'rules', 'roster'];
const ITEM = ['id', 'kind', 'description', 'keywords', 'requires', 'provides', 'removes', 'facts', 'initial', 'objectives'];

/** Known keys first in the order people expect; unknown keys kept (lint names them, so a repair can drop them). */
function ordered(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in value) out[k] = value[k];
  for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v;
  return out;
}

export function renderSetYaml(draft: Record<string, unknown>, header: string[] = []): string {
  const top = ordered(draft, TOP);
  for (const key of ['goals', 'actions', 'rules']) {
    const list = top[key];
    if (Array.isArray(list)) top[key] = list.map((item) => (isObj(item) ? ordered(item, ITEM) : item));
  }
  const doc = new Document(top);
  // Lists of facts on one line: a set reads as actions, not as a wall of dashes.
  visit(doc, { Seq: (_, node) => void (node.items.every((i) => isScalar(i)) && (node.flow = true)) });
  const body = doc.toString({ lineWidth: 0 });
  return [...header.map((h) => `# ${h.replace(/\s+/g, ' ')}`), body].join('\n');
}

/** Loads YAML text as a procedure file would be loaded, with every lint issue (`file` names it in messages). */
export function checkSetText(text: string, file: string): { set: ProcedureSet | undefined; issues: LintIssue[] } {
  const parsed = parseProcedureText(text, file);
  const issues = [...parsed.issues, ...(parsed.set ? lintSet(parsed.set) : [])];
  return { set: parsed.set, issues: issues.sort((a, b) => a.line - b.line) };
}
