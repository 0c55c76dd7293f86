import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { resolvePaths, type Paths } from '../../src/config/paths.js';
import { isAlive } from '../../src/daemon/lifecycle.js';
import { DaemonClient } from '../../src/daemon/client.js';
import type { Snapshot } from '../../src/protocol/snapshot.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

// Config for test daemons: ephemeral ports so parallel tests never collide.
export const TEST_CONFIG = `proxy:
  listen: 127.0.0.1:0
inference:
  listen: 127.0.0.1:0
`;

// TEST_CONFIG with one provider "fake" (a loopback stand-in upstream) as the default; `proxyExtra` adds
// indented lines to the proxy section.
export const fakeProviderConfig = (o: { url: string; keyEnv: string; model: string; proxyExtra?: string }): string => `proxy:
  listen: 127.0.0.1:0
${o.proxyExtra ?? ''}inference:
  listen: 127.0.0.1:0
  default_provider: fake
  providers:
    fake:
      base_url: ${o.url}
      key_env: ${o.keyEnv}
      models: [${o.model}]
`;

export interface TestHome {
  dir: string;
  paths: Paths;
  env: NodeJS.ProcessEnv;
  // Runs the built CLI with this home; never throws on a non-zero exit.
  cli(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Result>;
  // Stops a daemon started in this home (even a wedged one) and removes the directory.
  cleanup(): Promise<void>;
}

// Pids of clawdeck daemons started with CLAWDECK_HOME=dir (found through /proc, not the pid file).
const daemonsOf = (dir: string): number[] => {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('daemon/main.js')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`CLAWDECK_HOME=${dir}`)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
};

// A fresh CLAWDECK_HOME with the given config.yaml (TEST_CONFIG by default).
export const makeHome = (config: string = TEST_CONFIG): TestHome => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-test-'));
  const env = { ...process.env, CLAWDECK_HOME: dir, NO_COLOR: '1' };
  const paths = resolvePaths(env);
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.configFile, config);
  const cli: TestHome['cli'] = (args, opts = {}) =>
    execa(process.execPath, [CLI, ...args], {
      env: { ...env, ...opts.env },
      reject: false,
      input: opts.input,
      timeout: opts.timeout ?? 60_000,
    });
  return {
    dir,
    paths,
    env,
    cli,
    cleanup: async () => {
      // --purge: a sandbox test's volume goes with its home.
      await cli(['down', '--purge'], { timeout: 30_000 });
      // Whatever still runs with this home (a daemon restarted by the test, one whose `down` timed out) is killed,
      // so no test leaves a daemon behind.
      for (const pid of daemonsOf(dir)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

// Polls a condition until it holds (no fixed sleeps); throws with the label after the timeout.
export const waitFor = async <T>(fn: () => T | Promise<T>, label: string, timeoutMs = 10_000): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

// The daemon's current snapshot, as a subscriber receives it first.
export const snapshotOf = async (h: TestHome): Promise<Snapshot> => {
  const c = await DaemonClient.connect(h.paths.socket, 'test');
  try {
    const snap = new Promise<Snapshot>((r) => c.onEvent((ev, data) => ev === 'snapshot' && r(data as Snapshot)));
    await c.request('subscribe');
    return await snap;
  } finally {
    c.close();
  }
};
