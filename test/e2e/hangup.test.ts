import { describe, it, expect, afterEach } from 'vitest';
import { execa } from 'execa';
import { readFileSync, existsSync } from 'node:fs';
import { makeHome, waitFor, CLI, type TestHome } from '../helpers/home.js';
import { isAlive } from '../../src/daemon/lifecycle.js';

let h: TestHome | undefined;
const socketName = `clawdeck-hup-${process.pid}`;
afterEach(async () => {
  await execa('tmux', ['-L', socketName, 'kill-server'], { reject: false });
  await h?.cleanup();
});

describe('terminal hangup', () => {
  it('the daemon survives the end of the terminal session that started it (SSH logout)', async () => {
    h = makeHome();
    const env = Object.entries(h.env)
      .filter(([k]) => k === 'CLAWDECK_HOME' || k === 'PATH')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    // A real terminal session (tmux pty) runs `up`, then the whole server is killed: every process in that
    // session gets SIGHUP, as when an SSH connection drops.
    await execa('tmux', ['-L', socketName, 'new-session', '-d', '-x', '80', '-y', '24', `env ${env} ${process.execPath} ${CLI} up --no-sandbox; sleep 600`]);
    const pid = await waitFor(() => existsSync(h!.paths.pidFile) && Number(readFileSync(h!.paths.pidFile, 'utf8')), 'daemon pid file', 20_000);
    await execa('tmux', ['-L', socketName, 'kill-server']);
    // Give a SIGHUP time to land, measured by the daemon still answering several requests afterwards.
    for (let i = 0; i < 5; i++) {
      const st = await h.cli(['status', '--json']);
      expect(st.exitCode, st.stderr).toBe(0);
      expect(JSON.parse(st.stdout).daemon.pid).toBe(pid);
    }
    expect(isAlive(pid)).toBe(true);
  });
});
