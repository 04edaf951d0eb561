// `jupiter resume`: placeholder until its issue lands.
import type { Command } from 'commander';
import { notAvailableYet } from '../not-yet.js';

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailableYet('resume'));
}
