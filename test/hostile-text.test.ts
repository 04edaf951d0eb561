// Terminal output carries no invisible or reordering characters: bidi overrides (U+202E), zero-width spaces, tag
// characters and the like are stripped from everything untrusted jupiter prints.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { safeText } from '../src/core/text.js';
import { runCli, tempDir } from './support/cli.js';

const INVISIBLE = ['\u202e', '\u202a', '\u2066', '\u2069', '\u200b', '\u200e', '\u200f', '\u2060', '\ufeff', '\u061c', '\u{e0041}'];

describe('safeText', () => {
  it('strips bidi controls, zero-width spaces, tag characters; keeps joiners and ordinary text', () => {
    for (const c of INVISIBLE) expect(safeText(`a${c}b`), JSON.stringify(c)).toBe('ab');
    // "gnirts" shown as "string" by an override: the reader sees what the bytes say.
    expect(safeText('evil\u202egnirts')).toBe('evilgnirts');
    expect(safeText('line\u2028break', true)).toBe('line break');
    // ZWJ joins emoji and scripts and reorders nothing: kept. Ordinary non-Latin text is untouched.
    expect(safeText('👩\u200d💻 Déploiement — 配置 ✓')).toBe('👩\u200d💻 Déploiement — 配置 ✓');
  });
});

describe('through the CLI', () => {
  it('`validate` prints a plan whose title and steps hide bidi overrides and zero-width characters without them', async () => {
    const dir = tempDir('jupiter-bidi-');
    const file = path.join(dir, 'plan.yaml');
    const plan = {
      title: 'Deploy\u202e lanigiro eht \u202cthe orchestrator\u200b',
      summary: 'x',
      steps: [{ action: 'open-change-ticket\u2066', owner: 'release\u200f-manager' }],
    };
    writeFileSync(file, stringify(plan));
    const r = await runCli(['validate', file]);
    const out = r.stdout + r.stderr;
    expect(out).toContain('Deploy lanigiro eht the orchestrator');
    for (const c of INVISIBLE) expect(out.includes(c), JSON.stringify(c)).toBe(false);
  });
});
