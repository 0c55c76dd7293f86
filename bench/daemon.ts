import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../src/config/paths.js';
import { startDaemon, stopDaemon } from '../src/daemon/lifecycle.js';
import { DaemonClient } from '../src/daemon/client.js';
import type { BenchRow } from './types.js';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// Control-socket round trip (status) against a bare Unix-socket echo baseline in the same process.
export const rows = async (): Promise<BenchRow[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-bench-'));
  const env = { ...process.env, CLAWDECK_HOME: dir };
  const paths = resolvePaths(env);
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.configFile, 'proxy:\n  listen: 127.0.0.1:0\ninference:\n  listen: 127.0.0.1:0\n');
  const { createServer, connect } = await import('node:net');
  const echoPath = join(dir, 'echo.sock');
  const echo = createServer((s) => s.pipe(s)).listen(echoPath);
  await new Promise((r) => echo.once('listening', r));
  try {
    const { execFileSync } = await import('node:child_process');
    const n0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    const nodeMs = performance.now() - n0;
    const t0 = performance.now();
    await startDaemon(paths, { noSandbox: true, env });
    const startMs = performance.now() - t0;
    const c = await DaemonClient.connect(paths.socket, 'bench');
    const rtt: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = performance.now();
      await c.request('status');
      rtt.push(performance.now() - s);
    }
    c.close();
    const sock = connect(echoPath);
    await new Promise((r) => sock.once('connect', r));
    const base: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = performance.now();
      sock.write('{"id":1,"method":"status"}\n');
      await new Promise((r) => sock.once('data', r));
      base.push(performance.now() - s);
    }
    sock.destroy();
    const p99 = percentile(rtt, 99);
    const b99 = percentile(base, 99);
    return [
      { name: 'status request p99 (vs raw socket echo)', baseline: b99, value: p99, unit: 'ms', ratio: p99 / b99, goal: '< 2 ms', pass: p99 < 2 },
      { name: 'daemon start --no-sandbox (vs bare node start)', baseline: nodeMs, value: startMs, unit: 'ms', ratio: startMs / nodeMs, goal: '< 3000 ms', pass: startMs < 3000 },
    ];
  } finally {
    await stopDaemon(paths);
    echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
