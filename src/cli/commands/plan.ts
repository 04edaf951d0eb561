// `jupiter plan`: placeholder until its issue lands.
import type { Command } from 'commander';
import { notAvailableYet } from '../not-yet.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailableYet('plan'));
}
