import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { ensureDirs, type Paths } from '../config/paths.js';
import { ClawdeckError, errorPayloadSchema } from '../protocol/errors.js';
import { DaemonClient } from './client.js';

const DAEMON_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

const readPid = (paths: Paths): number | undefined => {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

// True when something accepts connections on the socket path (a live daemon, not a stale file).
export const socketAnswers = (path: string): Promise<boolean> =>
  new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

// Removes a socket and pid file left by a daemon that died (kill -9, OOM, reboot); returns what it cleaned.
export const cleanStale = async (paths: Paths): Promise<string[]> => {
  const cleaned: string[] = [];
  if (await socketAnswers(paths.socket)) return cleaned;
  const pid = readPid(paths);
  if (pid !== undefined && isAlive(pid)) {
    // A live process that does not answer: maybe starting, maybe wedged. Never kill what we cannot identify.
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmdline.includes('daemon/main.js')) {
      throw new ClawdeckError('DAEMON_UNRESPONSIVE', `daemon pid ${pid} is alive but does not answer on ${paths.socket}`, {
        hint: `Wait a few seconds and retry; if it persists: kill ${pid} && clawdeck up`,
      });
    }
  }
  if (existsSync(paths.socket)) {
    rmSync(paths.socket, { force: true });
    cleaned.push(paths.socket);
  }
  if (existsSync(paths.pidFile)) {
    rmSync(paths.pidFile, { force: true });
    cleaned.push(paths.pidFile);
  }
  return cleaned;
};

export interface UpResult {
  already: boolean;
  pid: number;
  cleaned: string[];
}

// Starts the detached daemon (own session, no terminal: survives SSH logout) unless one already answers.
// `env` must resolve to the same `paths` (it is what the daemon process sees).
export const startDaemon = async (
  paths: Paths,
  opts: { noSandbox: boolean; rebuild?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<UpResult> => {
  ensureDirs(paths);
  if (await socketAnswers(paths.socket)) {
    const c = await DaemonClient.connect(paths.socket, 'up');
    const st = await c.request('status');
    c.close();
    return { already: true, pid: st.daemon.pid, cleaned: [] };
  }
  const cleaned = await cleanStale(paths);
  const out = openSync(paths.daemonLog, 'a', 0o600);
  const child = spawn(process.execPath, [DAEMON_MAIN, ...(opts.noSandbox ? ['--no-sandbox'] : []), ...(opts.rebuild ? ['--rebuild'] : [])], {
    detached: true,
    stdio: ['ignore', out, out, 'pipe'],
    env: opts.env ?? process.env,
  });
  closeSync(out);
  const ready = child.stdio[3] as NodeJS.ReadableStream;
  const result = await new Promise<{ ok: boolean; pid?: number; error?: unknown }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      reject(new ClawdeckError('DAEMON_START_TIMEOUT', 'the daemon did not report ready in time', {
        hint: `See the daemon log: clawdeck logs (${paths.daemonLog})`,
      }));
    }, opts.timeoutMs ?? 60_000);
    ready.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch {
          resolve({ ok: false });
        }
      }
    });
    // The pipe closes without a line only if the daemon died before reporting (crash, kill).
    ready.on('close', () => {
      clearTimeout(timer);
      resolve({ ok: false, error: { code: 'DAEMON_EXITED', message: `the daemon exited during start (code ${child.exitCode})`, kind: 'bug' } });
    });
  });
  child.unref();
  (ready as unknown as { destroy(): void }).destroy();
  if (!result.ok) {
    const p = errorPayloadSchema.safeParse(result.error);
    throw p.success
      ? ClawdeckError.fromPayload({ ...p.data, hint: p.data.hint ?? `See the daemon log: ${paths.daemonLog}` })
      : new ClawdeckError('DAEMON_START_FAILED', 'the daemon failed to start', { hint: `See ${paths.daemonLog}` });
  }
  return { already: false, pid: result.pid ?? child.pid ?? 0, cleaned };
};

// Asks the daemon to stop and waits until its process is gone; false if none was running.
export const stopDaemon = async (paths: Paths, timeoutMs = 30_000): Promise<boolean> => {
  if (!(await socketAnswers(paths.socket))) {
    await cleanStale(paths);
    return false;
  }
  const c = await DaemonClient.connect(paths.socket, 'down');
  const { daemon } = await c.request('status');
  const gone = new Promise<void>((r) => c.onClose(() => r()));
  await c.request('shutdown');
  await gone;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(daemon.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(daemon.pid)) process.kill(daemon.pid, 'SIGKILL');
  return true;
};
