import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { makeHome, CLI, type TestHome } from '../helpers/home.js';

let h: TestHome;
beforeAll(() => {
  h = makeHome();
});
afterAll(async () => h?.cleanup());

// Subcommands as listed by `clawdeck --help` (so commands added later are covered too).
const listCommands = (help: string): string[] =>
  help
    .split('Commands:')[1]!
    .split('\n')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => !!c && c !== 'help');

describe('CLI contract', () => {
  it('lists the documented subcommands', async () => {
    const r = await h.cli(['--help']);
    expect(r.exitCode).toBe(0);
    const cmds = listCommands(r.stdout);
    for (const c of ['up', 'down', 'status', 'doctor', 'logs', 'version']) expect(cmds).toContain(c);
  });

  it('every subcommand has --help (exit 0) and rejects an unknown option with exit 2', async () => {
    const cmds = listCommands((await h.cli(['--help'])).stdout);
    for (const c of cmds) {
      const help = await h.cli([c, '--help']);
      expect(help.exitCode, `${c} --help`).toBe(0);
      expect(help.stdout, `${c} --help`).toContain(`Usage: clawdeck ${c}`);
      const bad = await h.cli([c, '--definitely-not-an-option']);
      expect(bad.exitCode, `${c} with a bad option`).toBe(2);
      expect(bad.stderr).toContain('unknown option');
    }
  });

  it('exits quietly when the reader of its output goes away (`clawdeck --help | head -1`)', async () => {
    // The pipe's read end is closed before the CLI writes: its first write fails with EPIPE.
    const child = spawn(process.execPath, [CLI, '--help'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints the version both ways', async () => {
    const a = await h.cli(['--version']);
    const b = await h.cli(['version', '--json']);
    expect(a.exitCode).toBe(0);
    expect(JSON.parse(b.stdout).version).toBe(a.stdout.trim());
  });

  it('unknown commands are usage errors (exit 2)', async () => {
    expect((await h.cli(['frobnicate'])).exitCode).toBe(2);
  });

  it('read commands fail with exit 1 and a hint when no daemon runs, in --json too', async () => {
    const r = await h.cli(['status']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/error: no clawdeck daemon answers.*\nhint: Start it with: clawdeck up/s);
    const j = await h.cli(['status', '--json']);
    expect(j.exitCode).toBe(1);
    expect(JSON.parse(j.stdout).error.code).toBe('DAEMON_NOT_RUNNING');
  });

  it('doctor --json has the documented shape and never prints the key', async () => {
    const secret = 'nvapi-SECRET-do-not-print-1234';
    const r = await h.cli(['doctor', '--json'], { env: { NVIDIA_API_KEY: secret } });
    expect([0, 1]).toContain(r.exitCode);
    const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
    const names = out.checks.map((c) => c.name);
    for (const n of ['node', 'docker', 'landlock', 'seccomp', 'disk', 'provider-key', 'conflicts']) expect(names).toContain(n);
    for (const c of out.checks) {
      expect(typeof c.ok).toBe('boolean');
      expect(typeof c.detail).toBe('string');
    }
    expect(out.checks.find((c) => c.name === 'provider-key')!.ok).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.exitCode).toBe(out.checks.every((c) => c.ok) ? 0 : 1);
  });

  it('doctor honors DOCKER_HOST and explains an unreachable engine', async () => {
    const r = await h.cli(['doctor', '--json'], { env: { DOCKER_HOST: `unix://${h.dir}/no-such.sock` } });
    const docker = JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'docker');
    expect(docker.ok).toBe(false);
    expect(docker.detail).toContain('no-such.sock');
    expect(r.exitCode).toBe(1);
  });
});
