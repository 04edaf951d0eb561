// Terminal output carries no invisible or reordering characters: bidi overrides (U+202E), zero-width spaces, tag
// characters and the like are stripped from everything untrusted jupiter prints.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { jsonRenderer } from '../src/cli/progress.js';
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

  it('`--json` writes bidi, C1 and invisible characters as \\u escapes: the same strings, nothing hidden on screen', async () => {
    const dir = tempDir('jupiter-bidi-json-');
    const file = path.join(dir, 'plan.yaml');
    const action = 'open\u202eegnahc\u009b2J\u0085ticket\u2028\u{e0041}';
    writeFileSync(file, stringify({ title: 't', summary: 'x', procedure: 'production-deployment', steps: [{ action, owner: 'release-manager' }] }));
    const r = await runCli(['validate', file, '--json']);
    for (const c of [...INVISIBLE, '\u009b', '\u0085', '\u2028']) expect(r.stdout.includes(c), JSON.stringify(c)).toBe(false);
    expect(r.stdout).toContain('\\u202e');
    expect(r.stdout).toContain('\\u009b');
    // The same value: the unknown action's finding quotes the name exactly.
    const parsed = JSON.parse(r.stdout) as { findings: { rule: string; message: string }[] };
    expect(parsed.findings.find((f) => f.rule === 'unknown-action')?.message).toContain(`"${action}"`);
  });

  it("a run's NDJSON events escape them too", () => {
    const lines: string[] = [];
    const render = jsonRenderer((t) => lines.push(t));
    const plan = { title: 'A\u202eB\u009bC', summary: 's', steps: [{ action: 'x\u200by' }] };
    render({ type: 'plan-proposed', iteration: 1, plan, mode: 'json' });
    render.pause?.();
    const text = lines.join('');
    expect(text).not.toMatch(/[\u202e\u009b\u200b]/);
    expect((JSON.parse(text) as { plan: typeof plan }).plan).toEqual(plan);
  });
});
