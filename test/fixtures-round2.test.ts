// A memory folder written by the release before the state layer (test/fixtures/memory-round2: two sessions on the
// shipped deploy procedure, each with the champion rejected at a checkpoint; one stopped, one completed) still lists,
// summarises and resumes: its session files are migrated, and the log is folded by today's reducer.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../src/engine/sessions.js';
import { ROOT, runCli, tempDir } from './support/cli.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'memory-round2');
const STOPPED = '20261201-110000-deploy-the-release-bbbb';
const COMPLETED = '20261201-100000-deploy-the-release-aaaa';
const REJECTED = '4cc5e26a5052ff7d';

describe('memory folders from before the state layer', () => {
  it('list, summarise and resume: sessions migrated, the rejected plan never champion or alternative again', async () => {
    const dir = tempDir('jupiter-round2-');
    cpSync(FIXTURE, dir, { recursive: true });
    const sessions = await runCli(['sessions', '--memory', dir]);
    expect(sessions.stderr).toBe('');
    expect(sessions.code).toBe(0);
    expect(sessions.stdout).toContain(STOPPED);
    expect(sessions.stdout).toContain(COMPLETED);

    const store = new SessionStore(path.join(dir, 'sessions'));
    const before = await store.load(STOPPED);
    // The old file kept the champion's whole plan; today's keeps a reference (the plan is in plans/).
    expect(before.champion).toEqual({ planId: '06cb0eec4e4d72b8', score: expect.any(Object), iteration: 3 });
    expect(before.rejected).toEqual([]);
    expect(before.progress.rejectedBefore).toBe(0);

    const resumed = await runCli(['resume', STOPPED, '--memory', dir, '--unattended']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const after = await store.load(STOPPED);
    expect(after.status).toBe('completed');
    // Its champion was proved optimal at iteration 3, but the deploy set since requires the scan before the approval:
    // the champion fails today's rules and stands no more, so the old proof is void; the run goes on and proves anew.
    expect(resumed.stdout).toContain('the champion of iteration 3 fails the current rules');
    expect(after.converged?.iteration).toBe(4);
    expect(resumed.stdout).toContain('Converged');
    // Caught up from the log: the rejection is remembered, and the rejected plan holds no place.
    expect(after.progress.rejected).toBe(1);
    expect(after.rejected).toContain(REJECTED);
    expect(after.champion?.planId).not.toBe(REJECTED);
    expect(after.alternatives.map((a) => a.planId)).not.toContain(REJECTED);

    const summary = await runCli(['summary', '--memory', dir]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain('production-deployment/deploy-service');
  });
});
