// Vitest global setup: every temporary folder the tests make (os.tmpdir(), in the workers and the processes they
// start) lives under one folder for this run, removed when the run ends. Before, each run left about a thousand
// folders in /tmp (47,000 had piled up on one machine).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'jupiter-suite-'));
  // Workers are started after the global setup and inherit this environment; so do the processes tests spawn.
  process.env.TMPDIR = root;
  return () => {
    // Best effort: a folder still mounted (a torture run's tmpfs, if it could not unmount) is left, not fatal.
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
