import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, waitFor, CLI, type TestHome } from '../helpers/home.js';
import { startTmux, type TmuxPane } from '../helpers/tmux.js';
import { connectVia, roundTrip, startEcho } from '../helpers/egress.js';

// The console on the built CLI, in tmux, against a real daemon with the real policy engine and egress proxy:
// approve and deny from the keyboard and see the held connection complete or fail; edit and toggle the policy.
// "Public" names resolve through the hosts file and the test dial map to a loopback echo server.
const PUBLIC = '93.184.216.34';
let h: TestHome;
let echo: Awaited<ReturnType<typeof startEcho>>;
let proxyPort: number;
let pane: TmuxPane | undefined;

const POLICY = (port: number) => `version: 1
# the TUI e2e policy
network_policies:
  local:
    endpoints:
      - host: upstream.test
        port: ${port}
        allowed_ips: ["127.0.0.1/32"]
`;

const attach = (args: string[], env: Record<string, string> = {}): Promise<TmuxPane> => {
  const vars = { CLAWDECK_HOME: h.dir, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TERM: 'xterm-256color', LANG: 'C.UTF-8', CI: 'true', ...env };
  const envs = Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join(' ');
  return startTmux(`env ${envs} ${process.execPath} ${CLI} attach ${args.join(' ')}; echo "[view exited $?]"; sleep 600`, { columns: 100, rows: 30 });
};

beforeAll(async () => {
  echo = await startEcho();
  h = makeHome('proxy:\n  listen: 127.0.0.1:0\n  hold_timeout: 60s\ninference:\n  listen: 127.0.0.1:0\n');
  writeFileSync(h.paths.policyFile, POLICY(echo.port));
  writeFileSync(h.paths.hostsFile, `127.0.0.1 upstream.test\n${PUBLIC} held.test other.test always.test\n`);
  const up = await h.cli(['up', '--no-sandbox'], { env: { CLAWDECK_TEST_HOOKS: '1', CLAWDECK_TEST_DIAL_MAP: `${PUBLIC}:443=${echo.port}` } });
  expect(up.exitCode, String(up.stderr)).toBe(0);
  const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout)) as { proxy: { listen: string } };
  proxyPort = Number(st.proxy.listen.split(':').at(-1));
});
afterAll(async () => {
  await h?.cleanup();
  await echo?.close();
});
afterEach(async () => {
  await pane?.kill();
  pane = undefined;
});

describe('approving from the keyboard', () => {
  it('a allows the held CONNECT once: the request completes', async () => {
    pane = await attach(['--view', 'approvals']);
    await pane.waitScreen((s) => s.includes('nothing waiting'), 'empty queue');
    const held = connectVia(proxyPort, 'held.test:443');
    await pane.waitScreen((s) => s.includes('held.test:443'), 'held item on screen');
    await pane.keys('a');
    const { sock, res } = await held;
    expect(res.status).toBe(200);
    expect((await roundTrip(sock, 'through')).toString()).toBe('through');
    sock.destroy();
    await pane.waitScreen((s) => s.includes('nothing waiting'), 'queue empty again');
  });

  it('d denies it: the client gets 403', async () => {
    pane = await attach(['--view', 'approvals']);
    await pane.waitScreen((s) => s.includes('nothing waiting'), 'empty queue');
    const held = connectVia(proxyPort, 'other.test:443');
    await pane.waitScreen((s) => s.includes('other.test:443'), 'held item');
    await pane.keys('d');
    expect((await held).res.status).toBe(403);
  });

  it('A asks first (cancel focused), y writes an always-rule into policy.yaml', async () => {
    pane = await attach(['--view', 'approvals']);
    await pane.waitScreen((s) => s.includes('nothing waiting'), 'empty queue');
    const held = connectVia(proxyPort, 'always.test:443');
    await pane.waitScreen((s) => s.includes('always.test:443'), 'held item');
    await pane.keys('A');
    const dialog = await pane.waitScreen((s) => s.includes('allow always?'), 'confirm');
    expect(dialog).toContain('[> cancel <]');
    await pane.keys('y');
    expect((await held).res.status).toBe(200);
    await waitFor(() => readFileSync(h.paths.policyFile, 'utf8').includes('always.test'), 'rule written');
    (await held).sock.destroy();
  });
});

describe('policy from the keyboard', () => {
  it('e opens $EDITOR; a valid edit shows its diff and y applies it to the file', async () => {
    const script = join(h.dir, 'good-editor.sh');
    writeFileSync(script, `#!/bin/sh\nsed -i 's/# the TUI e2e policy/# edited in the TUI/' "$1"\n`);
    chmodSync(script, 0o755);
    pane = await attach(['--view', 'policy'], { EDITOR: script });
    await pane.waitScreen((s) => s.includes('upstream.test'), 'policy text');
    await pane.keys('e');
    const review = await pane.waitScreen((s) => s.includes('apply these changes?'), 'diff');
    expect(review).toContain('+# edited in the TUI');
    await pane.keys('y');
    await waitFor(() => readFileSync(h.paths.policyFile, 'utf8').includes('# edited in the TUI'), 'file changed');
    await pane.waitScreen((s) => s.includes('edited in the TUI') && !s.includes('apply these changes?'), 'live text updated');
  });

  it('space disables the selected endpoint in the file; the pane shows it', async () => {
    pane = await attach(['--view', 'policy']);
    await pane.waitScreen((s) => s.includes('upstream.test'), 'policy text');
    await pane.keys('Space');
    await waitFor(() => /disabled: true/.test(readFileSync(h.paths.policyFile, 'utf8')), 'disabled in file');
    await pane.waitScreen((s) => s.includes('(disabled)'), 'shown disabled');
    await pane.keys('Space');
    await waitFor(() => !/disabled: true/.test(readFileSync(h.paths.policyFile, 'utf8')), 'enabled again');
  });

  it('an edit made by another editor shows up live with a notice', async () => {
    pane = await attach([]);
    await pane.waitScreen((s) => s.includes('daemon ok'), 'attached');
    await pane.keys('4');
    await pane.waitScreen((s) => s.includes('upstream.test'), 'policy pane');
    writeFileSync(h.paths.policyFile, `${readFileSync(h.paths.policyFile, 'utf8')}      - host: extra.test\n        port: 443\n`);
    await pane.waitScreen((s) => s.includes('extra.test') && s.includes('policy reloaded'), 'hot-reloaded text and notice');
  });
});
