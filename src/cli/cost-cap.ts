// A session halted at its --max-cost: resume asks for a higher cap (at a terminal) or says how to raise it, instead of halting again at once.
import { UsageError } from '../core/errors.js';
import { costCapReached } from '../engine/loop.js';
import type { SessionState } from '../engine/types.js';
import { type ForkBase, ownCounts } from '../state/lineage.js';
import type { Cli } from './io.js';

const usd = (x: number) => `$${x.toFixed(4)}`;

/** The resume that goes on past the cost cap `state` stopped at (twice the cap, or one more iteration if more); null when not at it. */
export function raiseCapCommand(state: SessionState, fork: ForkBase | undefined): string | null {
  const perIteration = costCapReached(state, fork);
  if (perIteration === null) return null;
  const need = ownCounts(state, fork).usage.costUsd + perIteration;
  return `jupiter resume ${state.id} --max-cost ${Math.ceil(Math.max(need, state.settings.maxCost! * 2) * 100) / 100}`;
}

/**
 * Returns false when the person leaves the cap as it is (nothing to run). When nobody can be asked (no terminal,
 * --unattended or --json given), a cap the next iteration would pass is bad usage (exit 2, nothing started), with
 * the flag that fixes it.
 */
export async function settleCostCap(cli: Cli, state: SessionState, opts: { given: boolean; canAsk: boolean; fork?: ForkBase | undefined }): Promise<boolean> {
  const perIteration = costCapReached(state, opts.fork);
  if (perIteration === null) return true;
  const cap = state.settings.maxCost!;
  const spent = ownCounts(state, opts.fork).usage.costUsd;
  const need = spent + perIteration;
  const where = `${usd(spent)} spent${opts.fork ? ' by this fork' : ''} of its --max-cost $${cap}, about ${usd(perIteration)} per iteration`;
  if (!opts.canAsk)
    throw new UsageError(
      `session ${state.id} ${opts.given ? 'would stop again at once' : 'stopped at its cost cap'} (${where}): raise it, e.g. \`${raiseCapCommand(state, opts.fork)}\``,
    );
  const { input } = await import('@inquirer/prompts');
  const answer = await input(
    {
      message: `Session ${state.id} reached its cost cap (${where}). New --max-cost in USD (empty: leave it and stop):`,
      validate: (v) => v.trim() === '' || Number(v) > need || `more than ${usd(need)} (one more iteration), or empty to stop`,
    },
    { input: cli.io.stdin, output: cli.promptOutput },
  );
  if (!answer.trim()) return false;
  state.settings.maxCost = Number(answer);
  return true;
}
