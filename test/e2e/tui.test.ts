import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, waitFor, CLI, type TestHome } from '../helpers/home.js';
import { startTmux, type TmuxPane } from '../helpers/tmux.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { makeApproval } from '../fixtures/snapshot.js';

// The built CLI in a real tmux pty against a real daemon (--no-sandbox, test hooks on for synthetic queue items).
// CI=true on purpose: Ink would otherwise print nothing until exit in CI.
let h: TestHome;
let pane: TmuxPane | undefined;

const attachCmd = (args: string[], env: Record<string, string> = {}): string => {
  const vars = {
    CLAWDECK_HOME: h.dir,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    CI: 'true',
    ...env,
  };
  const envs = Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join(' ');
  return `env -u NO_COLOR -u TMUX_PANE ${envs} ${process.execPath} ${CLI} ${args.join(' ')}; echo "[view exited $?]"; sleep 600`;
};

const inject = async (approvals: unknown[]): Promise<void> => {
  const c = await DaemonClient.connect(h.paths.socket, 'e2e');
  try {
    await c.request('debug.patch', { part: 'approvals', value: approvals });
  } finally {
    c.close();
  }
};

const widest = (s: string): number => Math.max(...s.split('\n').map((l) => [...l].length));

// SGR parameters that set a colour (30–37, 38;…, 40–47, 48;…, 90–97, 100–107); 39/49 are resets.
const colourCodes = (s: string): string[] =>
  [...s.matchAll(/\u001b\[([\d;]*)m/g)].flatMap((m) => m[1]!.split(';')).filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p));

beforeAll(async () => {
  h = makeHome();
  const r = await h.cli(['up', '--no-sandbox'], { env: { CLAWDECK_TEST_HOOKS: '1' } });
  expect(r.exitCode, String(r.stderr)).toBe(0);
});
afterAll(async () => h?.cleanup());
afterEach(async () => {
  await pane?.kill();
  pane = undefined;
  await inject([]);
});

describe('clawdeck attach in tmux', () => {
  it('draws the compact layout at 80x24, redraws on resize, and says when the terminal is too small', async () => {
    pane = await startTmux(attachCmd(['attach']), { columns: 80, rows: 24 });
    const s = await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('1 Chat'), 'compact layout');
    expect(widest(s)).toBeLessThanOrEqual(80);
    expect(s).toContain('Approvals');
    await pane.resize(160, 48);
    const big = await pane.waitScreen((s) => s.includes('Meter') && s.includes('Policy') && !s.includes('1 Chat'), 'default layout after resize');
    expect(widest(big)).toBeLessThanOrEqual(160);
    await pane.resize(50, 12);
    await pane.waitScreen((s) => s.includes('terminal too small') && s.includes('need 60x16'), 'too small');
    await pane.resize(80, 24);
    await pane.waitScreen((s) => s.includes('1 Chat') && !s.includes('too small'), 'compact again');
  });

  it('draws the four-pane layout at 160x48; q quits the view and the daemon keeps running', async () => {
    pane = await startTmux(attachCmd(['attach']), { columns: 160, rows: 48 });
    const s = await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('Policy'), 'default layout');
    for (const t of ['Chat', 'Meter', 'Approvals', 'Policy']) expect(s).toContain(t);
    expect(s.split('\n').length).toBeLessThanOrEqual(48);
    await pane.keys('q');
    await pane.waitScreen((s) => s.includes('[view exited 0]'), 'view exited');
    const st = await h.cli(['status', '--json']);
    expect(st.exitCode).toBe(0);
  });

  it('--view approvals --readonly shows the queue full-screen, rings the bell for a new item, and cannot approve', async () => {
    pane = await startTmux(attachCmd(['attach', '--view', 'approvals', '--readonly']), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('nothing waiting'), 'empty queue');
    expect(await pane.screen()).not.toContain('1 Chat');
    expect(await pane.format('#{window_bell_flag}')).toBe('0');
    await inject([makeApproval({ id: 'e2e-1', host: 'pypi.org', hits: 2, risk: ['new-domain'] })]);
    await pane.waitScreen((s) => s.includes('pypi.org:443') && s.includes('new domain'), 'queued item');
    await waitFor(async () => (await pane!.format('#{window_bell_flag}')) === '1', 'tmux window bell flag');
    await pane.keys('a');
    await pane.waitScreen((s) => s.includes('read-only view'), 'read-only refusal');
    const s = await pane.screen();
    expect(s).not.toMatch(/a allow once/);
  });

  it('shows the waiting time ticking', async () => {
    await inject([makeApproval({ id: 'tick', host: 'tick.test', ageMs: 0 })]);
    pane = await startTmux(attachCmd(['attach', '--view', 'approvals']), { columns: 80, rows: 24 });
    const first = await pane.waitScreen((s) => /\d+s tick\.test/.test(s), 'item');
    const t0 = Number(/(\d+)s tick\.test/.exec(first)![1]);
    await pane.waitScreen((s) => Number(/(\d+)s tick\.test/.exec(s)?.[1] ?? -1) > t0, 'clock ticked');
  });

  it('NO_COLOR and --no-color draw without colour codes; TERM=dumb uses ASCII', async () => {
    pane = await startTmux(attachCmd(['attach']), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok'), 'colour frame');
    expect(colourCodes(await pane.screenWithEscapes()).length).toBeGreaterThan(0);
    await pane.kill();
    pane = await startTmux(attachCmd(['attach'], { NO_COLOR: '1' }), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok'), 'NO_COLOR frame');
    expect(colourCodes(await pane.screenWithEscapes())).toEqual([]);
    await pane.kill();
    pane = await startTmux(attachCmd(['attach', '--no-color']), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok'), '--no-color frame');
    expect(colourCodes(await pane.screenWithEscapes())).toEqual([]);
    await pane.kill();
    pane = await startTmux(attachCmd(['attach'], { TERM: 'dumb' }), { columns: 80, rows: 24 });
    const dumb = await pane.waitScreen((s) => s.includes('daemon ok'), 'dumb frame');
    expect([...dumb].every((c) => c.charCodeAt(0) < 128)).toBe(true);
  });

  it('edits the policy through $EDITOR: bad YAML shows line:col and is not applied', async () => {
    const script = join(h.dir, 'bad-editor.sh');
    writeFileSync(script, `#!/bin/sh\nprintf 'version: 1\\nnetwork_policies:\\n  broken: [\\n' > "$1"\n`);
    chmodSync(script, 0o755);
    const before = existsSync(h.paths.policyFile) ? readFileSync(h.paths.policyFile, 'utf8') : null;
    pane = await startTmux(attachCmd(['attach', '--view', 'policy'], { EDITOR: script }), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('Policy'), 'policy view');
    await pane.keys('e');
    const s = await pane.waitScreen((s) => s.includes('not applied'), 'review with errors');
    expect(s).toMatch(/\b\d+:\d+ /);
    await pane.keys('y');
    await pane.waitScreen((s) => s.includes('fix the errors first'), 'apply refused');
    await pane.keys('Escape');
    await pane.waitScreen((s) => s.includes('edit discarded'), 'discarded');
    expect(existsSync(h.paths.policyFile) ? readFileSync(h.paths.policyFile, 'utf8') : null).toBe(before);
  });

  it('says when the daemon restarts and reconnects by itself', async () => {
    pane = await startTmux(attachCmd(['attach']), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok'), 'connected');
    const down = await h.cli(['down']);
    expect(down.exitCode, String(down.stderr)).toBe(0);
    await pane.waitScreen((s) => s.includes('reconnecting'), 'reconnecting shown');
    const up = await h.cli(['up', '--no-sandbox'], { env: { CLAWDECK_TEST_HOOKS: '1' } });
    expect(up.exitCode, String(up.stderr)).toBe(0);
    await pane.waitScreen((s) => s.includes('daemon ok'), 'reconnected');
  });

  it('bare `clawdeck` opens the console on the running daemon', async () => {
    pane = await startTmux(attachCmd([]), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('1 Chat'), 'console');
    await pane.keys('q');
    await pane.waitScreen((s) => s.includes('[view exited 0]'), 'exited');
  });

  it('runs from the compiled sources as well (no bundle, as after a tsc-only build)', async () => {
    pane = await startTmux(attachCmd(['attach'], { CLAWDECK_TUI_UNBUNDLED: '1' }), { columns: 80, rows: 24 });
    await pane.waitScreen((s) => s.includes('daemon ok') && s.includes('1 Chat'), 'console');
    await pane.keys('q');
    await pane.waitScreen((s) => s.includes('[view exited 0]'), 'exited');
  });

  it('refuses an unknown --view with a usage error (exit 2)', async () => {
    const r = await h.cli(['attach', '--view', 'nope']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('unknown view "nope"');
  });
});
