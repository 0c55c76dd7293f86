import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import Docker from 'dockerode';
import type { BenchRow } from './types.js';
import { loadBlueprint } from '../src/sandbox/blueprint.js';
import { resolvePaths } from '../src/config/paths.js';
import { purgeSandbox } from '../src/sandbox/container.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const GOAL_MS = 10_000;

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

// `clawdeck up` with the image cached → sandbox running and probed, vs a bare `docker run --rm <image> true`:
// the first `up` of a home (empty /sandbox volume: OpenClaw's one-time state setup) and a later one (`down`, `up`).
export const rows = async (): Promise<BenchRow[]> => {
  const docker = new Docker();
  const bp = loadBlueprint();
  if (!(await docker.getImage(bp.tag).inspect().then(() => true, () => false))) {
    throw new Error(`bench/sandbox needs the image ${bp.tag}: run clawdeck up once (it builds it)`);
  }
  const baseline = await timed(() => execa('docker', ['run', '--rm', '--entrypoint', 'true', bp.tag]));
  const home = mkdtempSync(join(tmpdir(), 'clawdeck-bench-sandbox-'));
  const env = { ...process.env, CLAWDECK_HOME: home };
  mkdirSync(join(home, 'config'), { recursive: true });
  writeFileSync(join(home, 'config', 'config.yaml'), 'proxy:\n  listen: 127.0.0.1:0\ninference:\n  listen: 127.0.0.1:0\n');
  try {
    const up = () =>
      timed(async () => {
        const r = await execa(process.execPath, [CLI, 'up'], { env, reject: false, timeout: 300_000 });
        if (r.exitCode !== 0) throw new Error(`clawdeck up failed: ${r.stderr || r.stdout}`);
      });
    const first = await up();
    await execa(process.execPath, [CLI, 'down'], { env, reject: false });
    const again = await up();
    const row = (name: string, value: number): BenchRow => ({ name, baseline, value, unit: 'ms', ratio: value / baseline, goal: `< ${GOAL_MS / 1000} s`, pass: value < GOAL_MS });
    return [row('first up of a home, cached image → sandbox healthy and probed', first), row('up again (down, up: /sandbox kept), cached image → healthy and probed', again)];
  } finally {
    await execa(process.execPath, [CLI, 'down'], { env, reject: false });
    await purgeSandbox(docker, resolvePaths(env)).catch(() => {});
    rmSync(home, { recursive: true, force: true });
  }
};
