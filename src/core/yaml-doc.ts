// One way to parse a YAML (or JSON) document a person wrote: the first error with its line, alias bombs and
// unresolved aliases reported as faults of the file (never a crash), and the line of any top-level key.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';
import { InputError } from './errors.js';
import { yamlErrorText } from './text.js';

/**
 * The yaml package (its Node entry is CommonJS, so this is the instance `import 'yaml'` gets), loaded when a YAML text
 * is first read or written: a run that reads only JSON (sessions, plans, the kept procedures) starts without it.
 */
export const yaml = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;

export interface YamlDoc {
  value: unknown;
  doc: Document;
  lines: LineCounter;
}

/** How a caller words its two faults: text that is not YAML, and YAML that cannot become a value. */
export interface YamlMessages {
  invalid: (message: string) => string;
  unusable: (message: string) => string;
}

export function parseYamlDoc(text: string, file: string, say: YamlMessages): YamlDoc {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = yamlErrorText(doc.errors[0]!);
    throw new InputError(say.invalid(e.message), { file, line: e.line });
  }
  try {
    return { value: doc.toJS() as unknown, doc, lines };
  } catch (err) {
    // e.g. an alias bomb ("Excessive alias count") or an unresolved alias: a bad file, not a crash.
    throw new InputError(say.unusable((err as Error).message.split('\n')[0]!), { file, line: 1 });
  }
}

/** The line a top-level key is written on (undefined when the document is not a mapping or lacks the key). */
export function keyLine({ doc, lines }: YamlDoc, key: string): number | undefined {
  const { isMap, isScalar } = yaml();
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
  const at = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  return at === undefined ? undefined : lines.linePos(at).line;
}
