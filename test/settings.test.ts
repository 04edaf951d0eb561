// The table of settings is the one source: the README's table, the flags of `plan` and `resume`, the environment and
// config-file names every setting answers to, and what a resumed session keeps or changes are all made from it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayers } from '../src/config/layers.js';
import { resolveConfig, resolveLayers, sessionSettings } from '../src/config/resolve.js';
import { defaultSessionSettings, optionalWhenSaved, SettingsSchema } from '../src/config/settings-schema.js';
import { SAVED_SETTINGS, SETTINGS, type Setting, type SettingName, settingNames } from '../src/config/settings.js';
import { settingsTable, withTable } from '../tools/settings-doc.js';
import { ROOT, runCli, tempDir } from './support/cli.js';

const rows = settingNames.map((name) => [name, SETTINGS[name] as Setting] as const);
/** A value each whole-number setting accepts that is not its default. */
const wholeValue = (row: Setting) => String(Math.max(row.min ?? 0, 1) + 3);

describe('the table of settings', () => {
  it('is the README settings table (`npm run docs` writes it)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(withTable(readme)).toBe(readme);
    expect(readme).toContain(settingsTable());
  });

  it('every whole-number setting is read from its variable and from each of its config-file keys', () => {
    for (const [name, row] of rows.filter(([, r]) => r.kind === 'whole')) {
      const value = Number(wholeValue(row));
      // -n is raised with the checkpoint so that the pair stays consistent.
      const pair = name === 'checkpoint' ? { JUPITER_ITERATIONS: '100' } : {};
      if (row.env) expect(resolveConfig({ flags: {}, env: { ...pair, [row.env]: String(value) }, cwd: tempDir() })[name as 'iterations'], row.env).toBe(value);
      for (const key of row.keys) {
        const cwd = tempDir();
        writeFileSync(path.join(cwd, 'jupiter.config.yaml'), `${key}: ${value}\n${name === 'checkpoint' ? 'iterations: 100\n' : ''}`);
        expect(resolveConfig({ flags: {}, env: {}, cwd })[name as 'iterations'], key).toBe(value);
      }
    }
  });

  it('refuses a bad value naming the flag, the variable, or the file and line it came from', () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'model: m\nrepairs: many\n');
    expect(() => resolveConfig({ flags: {}, env: {}, cwd })).toThrow(`${path.join(cwd, 'jupiter.config.yaml')}:2: repairs must be a whole number, got "many"`);
    expect(() => resolveConfig({ flags: { candidates: '17' }, env: {}, cwd: tempDir() })).toThrow('--candidates must be at most 16, got 17');
    expect(() => resolveConfig({ flags: {}, env: { JUPITER_OBJECTIVES: 'cost,speed' }, cwd: tempDir() })).toThrow(
      /^JUPITER_OBJECTIVES takes makespan, cost, risk, steps .*got "speed"$/,
    );
    const unattended = tempDir();
    writeFileSync(path.join(unattended, 'jupiter.config.yaml'), 'unattended: sometimes\n');
    expect(() => resolveConfig({ flags: {}, env: {}, cwd: unattended })).toThrow(/jupiter\.config\.yaml:1: unattended must be true or false, got "sometimes"/);
  });

  it('`plan` offers every flag of the table but where to branch; `resume` those it may change, those read afresh and where to branch', async () => {
    const flags = (help: string) => [...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
    const long = (n: SettingName) => (SETTINGS[n] as Setting).flag?.match(/--[a-z-]+/)?.[0];
    const plan = flags((await runCli(['plan', '--help'])).stdout);
    const resumeHelp = (await runCli(['resume', '--help'])).stdout;
    const resume = flags(resumeHelp);
    // Each option's whole help text (its continuation lines joined): a flag only a fork takes says so.
    const blocks = resumeHelp.split(/\n(?=\s{2}-)/);
    const helpOf = (flag: string) => blocks.find((b) => new RegExp(`^\\s+(?:-\\w, )?${flag}\\b`).test(b)) ?? '';
    for (const [name, row] of rows) {
      if (!row.flag) continue;
      expect(plan.includes(long(name)!), name).toBe(row.resume !== 'branch');
      expect(resume.includes(long(name)!), name).toBe(row.resume !== 'saved' && row.resume !== 'start');
      if (resume.includes(long(name)!)) expect(helpOf(long(name)!).includes('[--fork only]'), name).toBe(row.resume === 'fork');
    }
  });
});

describe('a resumed session and its settings', () => {
  const saved = sessionSettings(resolveConfig({ flags: { iterations: '30', checkpoint: '5', patience: '4', maxCost: '2' }, env: {}, cwd: tempDir() }));

  it('saves exactly the settings its rows mark as saved, when set', () => {
    expect(Object.keys(saved).sort()).toEqual(SAVED_SETTINGS.filter((n) => !['model', 'baseUrls', 'objectives'].includes(n)).sort());
    expect(saved).toMatchObject({ iterations: 30, checkpoint: 5, patience: 4, maxCost: 2, provider: 'builtin' });
  });

  it('keeps what it saved over the environment and the config file; a flag changes what resume may change', () => {
    const cwd = tempDir();
    // A config file whose own iterations and checkpoint contradict each other: not judged on resume.
    writeFileSync(path.join(cwd, 'jupiter.config.yaml'), 'iterations: 4\ncheckpoint: 10\npatience: 9\n');
    const env = { JUPITER_ITERATIONS: '7', JUPITER_PATIENCE: '8', JUPITER_TIMEOUT_MS: '999' };
    const kept = resolveLayers({ ...readLayers({ flags: {}, env, cwd }), saved });
    expect(kept).toMatchObject({ iterations: 30, checkpoint: 5, patience: 4, maxCost: 2, timeoutMs: 999 });
    const changed = resolveLayers({ ...readLayers({ flags: { patience: '1', maxCost: '3', unattended: true }, env, cwd }), saved });
    expect(changed).toMatchObject({ iterations: 30, patience: 1, maxCost: 3, unattended: true });
    expect(sessionSettings(changed)).toMatchObject({ patience: 1, maxCost: 3, unattended: true });
  });

  it('reads a session saved before a setting existed with the value it ran with, and its single base URL', () => {
    const old = {
      iterations: 6,
      checkpoint: 2,
      unattended: true,
      provider: 'custom',
      model: 'm',
      baseUrl: 'http://gpu:8000/v1',
      contextBudget: 4000,
      proceduresDir: '/p',
    };
    const legacy = Object.fromEntries(rows.filter(([, r]) => r.legacy !== undefined).map(([n, r]) => [n, r.legacy]));
    const config = resolveLayers({ ...readLayers({ flags: {}, env: {}, cwd: tempDir() }), saved: { ...legacy, ...old } });
    expect(config).toMatchObject({ baseUrls: ['http://gpu:8000/v1'], patience: 0, repairs: 0, maxFailures: 1, candidates: 1, proceduresDir: '/p' });
  });
});

describe('the session file schema, made from the table', () => {
  const saved = rows.filter(([name]) => SAVED_SETTINGS.includes(name));
  const good = defaultSessionSettings('/p');

  it('holds exactly the saved rows, each with its default where the row has one', () => {
    expect(SettingsSchema.parse(good)).toEqual(good);
    for (const [name, row] of saved) expect(good[name as keyof typeof good], name).toBe(row.default ?? (name === 'proceduresDir' ? '/p' : undefined));
    // A key no row saves is not kept.
    expect(SettingsSchema.parse({ ...good, colour: 'blue' })).not.toHaveProperty('colour');
  });

  it('refuses a value of the wrong kind in any saved row, naming the row', () => {
    for (const [name, row] of saved) {
      const bad = ['text', 'folder', 'file'].includes(row.kind) ? 42 : 'x';
      const r = SettingsSchema.safeParse({ ...good, [name]: bad });
      expect(r.success, name).toBe(false);
      expect(r.error?.issues[0]?.path, name).toEqual([name]);
    }
  });

  it('requires the rows that always have a value, and bounds whole numbers as the rows do', () => {
    for (const [name, row] of saved) {
      const { [name as keyof typeof good]: _, ...without } = good;
      expect(SettingsSchema.safeParse(without).success, name).toBe(optionalWhenSaved(row));
      if (row.kind === 'whole' && row.min !== undefined) expect(SettingsSchema.safeParse({ ...good, [name]: row.min - 1 }).success, name).toBe(false);
      if (row.kind === 'whole' && row.max !== undefined) expect(SettingsSchema.safeParse({ ...good, [name]: row.max + 1 }).success, name).toBe(false);
    }
  });
});
