// `jupiter summary`: placeholder until its issue lands.
import type { Command } from 'commander';
import { notAvailableYet } from '../not-yet.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailableYet('summary'));
}
