import type { Command } from 'commander';
import { VERSION } from '../../daemon/version.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { printJson } from '../output.js';

export const registerVersion = (program: Command): void => {
  program
    .command('version')
    .description('print the clawdeck version')
    .option('--json', 'print { version, protocol, node } as JSON')
    .action((opts: { json?: boolean }) => {
      if (opts.json) printJson({ version: VERSION, protocol: PROTOCOL_VERSION, node: process.versions.node });
      else process.stdout.write(`${VERSION}\n`);
    });
};
