// `jupiter init`: placeholder until its issue lands.
import type { Command } from 'commander';
import { notAvailableYet } from '../not-yet.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailableYet('init'));
}
