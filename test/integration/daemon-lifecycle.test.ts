import { describe, it, expect, afterEach } from 'vitest';
import { statSync, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { isAlive } from '../../src/daemon/lifecycle.js';
import { statusSchema } from '../../src/protocol/status.js';

const homes: TestHome[] = [];
const home = (config?: string): TestHome => {
  const h = makeHome(config);
  homes.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => h.cleanup()));
});

describe('daemon lifecycle', () => {
  it('up, status --json, up again (idempotent), down round trip', async () => {
    const h = home();
    const up = await h.cli(['up', '--no-sandbox', '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const started = JSON.parse(up.stdout);
    expect(started).toMatchObject({ running: true, already: false });
    expect(isAlive(started.pid)).toBe(true);

    const st = await h.cli(['status', '--json']);
    expect(st.exitCode, st.stderr).toBe(0);
    const status = statusSchema.parse(JSON.parse(st.stdout));
    expect(status.daemon.pid).toBe(started.pid);
    expect(status.sandbox.state).toBe('disabled');
    expect(status.policy.file).toBe(h.paths.policyFile);

    const again = await h.cli(['up', '--no-sandbox', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ already: true, pid: started.pid });

    const down = await h.cli(['down', '--json']);
    expect(JSON.parse(down.stdout)).toEqual({ stopped: true });
    await waitFor(() => !isAlive(started.pid), 'daemon exit');
    expect(existsSync(h.paths.socket)).toBe(false);

    const after = await h.cli(['status']);
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toContain('clawdeck up');
  });

  it('keeps the socket owner-only (0600) in an owner-only directory', async () => {
    const h = home();
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    expect(statSync(h.paths.socket).mode & 0o777).toBe(0o600);
    expect(statSync(h.paths.runDir).mode & 0o777).toBe(0o700);
  });

  it('the daemon runs in its own session, detached from the terminal that started it', async () => {
    const h = home();
    const up = JSON.parse((await h.cli(['up', '--no-sandbox', '--json'])).stdout);
    const stat = readFileSync(`/proc/${up.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const sid = Number(fields[3]);
    const ttyNr = Number(fields[4]);
    expect(sid).toBe(up.pid);
    expect(ttyNr).toBe(0);
  });

  it('recovers from a stale socket and pid file left by kill -9', async () => {
    const h = home();
    const first = JSON.parse((await h.cli(['up', '--no-sandbox', '--json'])).stdout);
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => !isAlive(first.pid), 'daemon killed');
    expect(existsSync(h.paths.socket)).toBe(true);

    const st = await h.cli(['status']);
    expect(st.exitCode).toBe(1);

    const up = await h.cli(['up', '--no-sandbox', '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const second = JSON.parse(up.stdout);
    expect(second.already).toBe(false);
    expect(second.cleaned).toContain(h.paths.socket);
    expect(second.pid).not.toBe(first.pid);
    expect((await h.cli(['status', '--json'])).exitCode).toBe(0);
  });

  it('reports an invalid config.yaml with file:line:col and does not start', async () => {
    const h = home('proxy:\n  listen: 127.0.0.1:0\n  bogus: 1\nui:\n  bell: maybe\n');
    const up = await h.cli(['up', '--no-sandbox']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toContain(`${h.paths.configFile}:3:3`);
    expect(up.stderr).toContain('unknown key "bogus"');
    expect(up.stderr).toContain(`${h.paths.configFile}:5:9`);
    expect(existsSync(h.paths.socket)).toBe(false);
  });

  it('down when nothing runs says so and exits 0', async () => {
    const h = home();
    const down = await h.cli(['down']);
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('not running');
  });

  it('a second daemon refuses to take over a live socket', async () => {
    const h = home();
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    // A raw connection proves the first daemon still answers after the refused start.
    const { execa } = await import('execa');
    const r = await execa(process.execPath, [new URL('../../dist/src/daemon/main.js', import.meta.url).pathname, '--no-sandbox'], {
      env: h.env,
      reject: false,
      timeout: 20_000,
    });
    expect(r.exitCode).toBe(1);
    await new Promise<void>((resolve, reject) => {
      const s = connect(h.paths.socket, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  });
});
