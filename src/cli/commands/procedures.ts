// `jupiter procedures`: placeholder until its issue lands.
import type { Command } from 'commander';
import { notAvailableYet } from '../not-yet.js';

export function registerProcedures(program: Command): void {
  program
    .command('procedures')
    .description('(not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailableYet('procedures'));
}
