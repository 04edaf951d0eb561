// The HTML runbook in a real headless browser: it loads with no console message at all and draws one bar per step.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunbookSchema } from '../src/export/runbook.js';
import { chromiumPath, loadPage } from './support/chromium.js';
import { runCli, tempDir } from './support/cli.js';

const browser = chromiumPath();
// Absent Chromium fails the test (CI installs it); only an explicit JUPITER_NO_BROWSER=1 skips it, and says so.
const skip = !browser && process.env.JUPITER_NO_BROWSER === '1';
if (skip) console.warn('export-html: SKIPPED, chromium is not installed and JUPITER_NO_BROWSER=1 is set');

describe.skipIf(skip)('export --format html in headless Chromium', () => {
  it('a page with a console error is caught (the check can fail)', async () => {
    if (!browser) throw new Error('chromium is not installed: `apt-get install -y chromium` (.ci/run does it)');
    const bad = path.join(tempDir('jupiter-html-'), 'bad.html');
    writeFileSync(bad, '<!doctype html><title>x</title><script>console.error("boom")</script>');
    const page = await loadPage(browser, bad);
    expect(page.console.join('\n')).toContain('"boom"');
  }, 120_000);

  it('the runbook loads with no console message and its chart has one bar per step', async () => {
    if (!browser) throw new Error('chromium is not installed: `apt-get install -y chromium` (.ci/run does it)');
    const memory = tempDir('jupiter-html-');
    const plan = await runCli(['plan', '--procedure', 'access-review', 'Quarterly access review', '-n', '2', '-c', '0', '--unattended', '--memory', memory]);
    expect(plan.code, plan.stderr).toBe(0);
    const json = await runCli(['export', '--format', 'json', '--memory', memory]);
    const steps = RunbookSchema.parse(JSON.parse(json.stdout)).steps;
    const file = path.join(memory, 'runbook.html');
    expect((await runCli(['export', '--format', 'html', '-o', file, '--memory', memory])).code).toBe(0);
    const page = await loadPage(browser, file);
    expect(page.code).toBe(0);
    expect(page.console).toEqual([]);
    const bars = [...page.dom.matchAll(/<rect class="bar(?: crit)?" data-step="(\d+)"/g)].map((m) => Number(m[1]));
    expect(bars).toEqual(steps.map((s) => s.step));
    expect(page.dom).toContain('<svg class="gantt"');
    expect(page.dom).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  }, 120_000);
});
