// Headless Chromium (Debian's `chromium`) for page tests: loads a file, returns its DOM after load and every console message.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The browser's path, or null when it is not installed (`.ci/run` installs it with apt-get). */
export function chromiumPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Loads `file` with no network and returns the serialised DOM and the console messages (Chromium logs each as an
 * `INFO:CONSOLE` line on stderr with --enable-logging); `screenshot` also writes a PNG of the page.
 */
export function loadPage(browser: string, file: string, screenshot?: string): Promise<{ dom: string; console: string[]; code: number | null }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'jupiter-chromium-'));
  const mode = screenshot ? [`--screenshot=${screenshot}`, '--window-size=1000,1600'] : ['--dump-dom'];
  const child = spawn(browser, [...FLAGS, `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...mode, pathToFileURL(file).href], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let dom = '';
  let log = '';
  child.stdout.on('data', (d: Buffer) => (dom += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(profile, { recursive: true, force: true });
      resolve({ dom, code, console: log.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)) });
    });
  });
}
