import type { Command } from 'commander';
import { registerLifecycle } from './lifecycle.js';
import { registerStatus } from './status.js';
import { registerDoctor } from './doctor.js';
import { registerLogs } from './logs.js';
import { registerApprovals } from './approvals.js';
import { registerPolicy } from './policy.js';
import { registerVersion } from './version.js';
import { registerAttach } from './attach.js';
import { registerProvider } from './provider.js';
import { registerUsage } from './usage.js';
import { registerChat } from './chat.js';

// Every subcommand, in the order --help lists them.
export const registerCommands = (program: Command): void => {
  registerLifecycle(program);
  registerAttach(program);
  registerStatus(program);
  registerProvider(program);
  registerUsage(program);
  registerChat(program);
  registerDoctor(program);
  registerLogs(program);
  registerApprovals(program);
  registerPolicy(program);
  registerVersion(program);
};
