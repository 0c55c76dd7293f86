#!/usr/bin/env node
import { writeSync, closeSync } from 'node:fs';
import { resolvePaths } from '../config/paths.js';
import { Daemon } from './daemon.js';
import { toErrorPayload } from '../protocol/errors.js';

// Entry of the detached daemon process. `clawdeck up` reads one JSON line from fd 3: ready or the error.
const report = (msg: unknown): void => {
  try {
    // Synchronous, so the line is in the pipe even if the process exits right after.
    writeSync(3, JSON.stringify(msg) + '\n');
    closeSync(3);
  } catch {
    // started without a readiness pipe (e.g. by hand): nothing to tell
  }
};

const main = async (): Promise<void> => {
  const noSandbox = process.argv.includes('--no-sandbox');
  const daemon = new Daemon(resolvePaths(), { noSandbox, rebuild: process.argv.includes('--rebuild') });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    // SIGHUP arrives when an SSH session ends if we were ever attached to it: stay up, it is not a stop request.
    if (sig === 'SIGHUP') process.on(sig, () => daemon.log.info('ignored SIGHUP'));
    else process.on(sig, () => void daemon.stop(sig).then(() => process.exit(0)));
  }
  process.on('uncaughtException', (err) => {
    daemon.log.error('uncaught exception', { err });
  });
  process.on('unhandledRejection', (err) => {
    daemon.log.error('unhandled rejection', { err });
  });
  try {
    await daemon.start();
    report({ ok: true, pid: process.pid });
  } catch (err) {
    daemon.log.error('daemon failed to start', { err });
    report({ ok: false, error: toErrorPayload(err) });
    await daemon.stop('start failed');
    process.exit(1);
  }
};

void main();
