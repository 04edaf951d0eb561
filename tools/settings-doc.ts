// Writes the README's settings table from the table in src/config/settings.ts (`node build/tools/settings-doc.js`);
// test/settings.test.ts fails while the README holds another one.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS, type Setting, settingNames } from '../src/config/settings.js';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './root.js';

export const BEGIN = '<!-- settings table: made from src/config/settings.ts by `node build/tools/settings-doc.js` -->';
export const END = '<!-- end of settings table -->';

const code = (s: string | undefined) => (s ? `\`${s}\`` : '');

function defaultText(row: Setting): string {
  if (row.defaultText !== undefined) return row.defaultText;
  return row.default === undefined ? '' : String(row.default);
}

/** What the table says of a setting resume may change or only takes. */
const ON_RESUME: Partial<Record<Setting['resume'], string>> = {
  change: '; `resume` may change it',
  fork: '; a fork (`resume --from N --fork`) may change it',
  branch: ' (`resume` only)',
};

/** The markdown table: one line per setting, in the table's order. */
export function settingsTable(): string {
  const lines = ['| setting | flag | environment | config key | default | what it does |', '| --- | --- | --- | --- | --- | --- |'];
  for (const name of settingNames) {
    const row: Setting = SETTINGS[name];
    const flag = row.flag?.replace(/\|/g, '\\|');
    const what = `${row.help}${ON_RESUME[row.resume] ?? ''}`.replace(/\|/g, '\\|');
    lines.push(`| ${name} | ${code(flag)} | ${code(row.env)} | ${row.keys.map((k) => code(k)).join(', ')} | ${defaultText(row)} | ${what} |`);
  }
  return lines.join('\n');
}

/** The README with its settings table replaced by the current one. */
export function withTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md: no settings table between "${BEGIN}" and "${END}"`);
  return `${readme.slice(0, start + BEGIN.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = path.join(repoRoot(import.meta.url), 'README.md');
  writeFileSync(file, withTable(readFileSync(file, 'utf8')));
}
