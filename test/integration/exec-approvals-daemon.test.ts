import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { FakeUpstream, type SeenRequest } from '../helpers/fake-upstream.js';
import { HostGateway } from '../helpers/openclaw-host.js';
import { makeHome, waitFor, TEST_CONFIG, type TestHome } from '../helpers/home.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { GatewayClient } from '../../src/agent/gateway-client.js';
import { execPolicyFor } from '../../src/sandbox/openclaw-config.js';
import { configSchema } from '../../src/config/schema.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';

type Rec = Record<string, unknown>;

// The fake model's answer after a tool ran: it repeats the tool result, so the chat reply shows what happened.
const echoToolResult = (req: SeenRequest) => {
  const msgs = (req.body?.messages as Rec[] | undefined) ?? [];
  // OpenClaw appends an internal-context user message after the tool result: answer the tool result when no
  // assistant message follows it (i.e. this request continues the turn after the tool ran).
  const t = msgs.findLastIndex((m) => m.role === 'tool');
  const last = msgs[t];
  if (t < 0 || msgs.findLastIndex((m) => m.role === 'assistant') > t || !last) return { kind: 'stream' as const, tokens: ['ok'] };
  const c = last.content;
  const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => String((p as Rec).text ?? '')).join('') : JSON.stringify(c);
  return { kind: 'stream' as const, tokens: ['tool said: ', text] };
};

// A pausable Unix-socket relay to the gateway (like the sandbox's): pause() drops the daemon's connection and
// refuses new ones until resume().
class Relay {
  private server: Server | null = null;
  private readonly socks = new Set<Socket>();
  constructor(readonly path: string, private readonly port: number) {}
  async resume(): Promise<void> {
    const server = createServer((c) => {
      const up = connect(this.port, '127.0.0.1');
      for (const x of [c, up]) this.socks.add(x);
      c.pipe(up).pipe(c);
      const done = (): void => {
        for (const x of [c, up]) {
          x.destroy();
          this.socks.delete(x);
        }
      };
      c.on('error', done).on('close', done);
      up.on('error', done).on('close', done);
    });
    await new Promise<void>((r) => server.listen(this.path, () => r()));
    this.server = server;
  }
  async pause(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => { server.close(() => r()); for (const x of this.socks) x.destroy(); });
  }
}

// A real daemon (--no-sandbox) whose chat bridge talks to a real OpenClaw gateway with clawdeck's default exec
// approval policy (ask on an allowlist miss): the agent's command waits in clawdeck's approval queue.
describe('OpenClaw exec approvals in the daemon approval queue', () => {
  let up: FakeUpstream;
  let gw: HostGateway;
  let h: TestHome;
  const news: ApprovalItem[] = [];
  let watcher: DaemonClient;
  // Another operator client of the same gateway (what OpenClaw's own UI would be).
  let gwClient: GatewayClient;
  let relay: Relay;

  beforeAll(async () => {
    up = await FakeUpstream.start('exec-approvals-daemon');
    up.setDefault(echoToolResult);
    // The same tools.exec the sandbox's openclaw.json gets from clawdeck's default config.
    const exec = execPolicyFor(configSchema.parse({}).agent.exec_approvals);
    gw = await HostGateway.start({ upstreamUrl: up.url, extra: { tools: { exec } } });
    h = makeHome();
    const tokenFile = join(h.dir, 'gw-token');
    writeFileSync(tokenFile, gw.token + '\n', { mode: 0o600 });
    relay = new Relay(join(h.dir, 'gw.sock'), gw.port);
    await relay.resume();
    writeFileSync(h.paths.configFile, `${TEST_CONFIG}agent:\n  gateway_socket: ${relay.path}\n  token_file: ${tokenFile}\n  exec_approvals:\n    timeout: 5m\n`);
    const r = await h.cli(['up', '--no-sandbox']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(async () => JSON.parse(String((await h.cli(['status', '--json'])).stdout)).agent?.connected, 'chat bridge connected', 30_000);
    watcher = await DaemonClient.connect(h.paths.socket, 'test-watch');
    watcher.onEvent((ev, data) => ev === 'approval.new' && news.push(data as ApprovalItem));
    await watcher.request('subscribe');
    gwClient = new GatewayClient({ target: { kind: 'url', url: gw.url }, token: () => gw.token, version: '0.0.0-test' });
    gwClient.start();
    await gwClient.waitConnected(30_000);
  }, 180_000);

  afterAll(async () => {
    watcher?.close();
    gwClient?.stop();
    await relay?.pause();
    await h?.cleanup();
    await gw?.stop();
    await up?.close();
  });

  const list = async (): Promise<ApprovalItem[]> => {
    const r = await h.cli(['approvals', 'list', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)) as ApprovalItem[];
  };
  // Starts `clawdeck chat --json` for a turn whose model calls exec(command); resolves when that request is queued.
  const askToRun = async (command: string) => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command }) } });
    const chat = h.cli(['chat', `please run ${command}`, '--json', '--timeout', command.includes('replay-a') ? '15s' : '2m']);
    const item = await waitFor(async () => (await list()).find((i) => i.kind === 'exec' && i.command === command), `exec item for ${command}`, 60_000);
    return { chat, item };
  };

  it('the request waits in the queue as kind exec; allow once → the output comes back in the chat reply', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-allowed');
    expect(item).toMatchObject({ kind: 'exec', command: 'echo clawdeck-exec-allowed', session: 'agent:main:main', host: null });
    expect(item.cwd).toBeTruthy();
    expect(item.cause).toMatch(/^chat run \S+ \("please run echo clawdeck-exec-allowed"\), exec tool call /);
    expect(Date.parse(item.expires_at!) - Date.parse(item.created_at)).toBeLessThanOrEqual(300_000);
    // the same approval.new event egress items raise (bell, approvals watch)
    await waitFor(() => news.find((n) => n.id === item.id), 'approval.new for the exec item');
    const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout));
    expect(st.approvals.pending).toBeGreaterThanOrEqual(1);
    // scopes that make no sense for a command are usage errors, and the item stays
    const bad = await h.cli(['approvals', 'allow', item.id, '--scope', 'session']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/egress items only/);
    expect((await list()).some((i) => i.id === item.id)).toBe(true);

    const ok = await h.cli(['approvals', 'allow', item.id]);
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    expect((await list()).some((i) => i.id === item.id)).toBe(false);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.reply).toContain('tool said: ');
    expect(out.reply).toContain('clawdeck-exec-allowed');
    expect(out.tool_calls[0]).toMatchObject({ name: 'exec', is_error: false });
  }, 120_000);

  it('deny → the command does not run and the agent reports the refusal', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-denied');
    const d = await h.cli(['approvals', 'deny', item.id]);
    expect(d.exitCode, String(d.stderr)).toBe(0);
    const r = await chat;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.tool_calls[0]).toMatchObject({ name: 'exec', is_error: true });
    expect(out.reply).toMatch(/denied/i);
    expect(out.reply).not.toMatch(/^tool said: clawdeck-exec-denied/m);
    expect((await list()).some((i) => i.id === item.id)).toBe(false);
  }, 120_000);

  // OpenClaw offers "allow always" only for commands it can pin to a reusable allowlist pattern; running as root
  // (this machine) every executable is writable, so it offers allow-once/deny only. clawdeck then says so clearly.
  it('allow always: goes to OpenClaw when offered, else a clear usage error and the item keeps waiting', async () => {
    const command = 'date +clawdeck-exec-always';
    const { chat, item } = await askToRun(command);
    const pending = (await gwClient.request('exec.approval.list', {})) as Rec[];
    const offered = ((pending.find((p) => p.id === item.id)?.request as Rec | undefined)?.allowedDecisions as string[] | undefined) ?? [];
    const r = await h.cli(['approvals', 'allow', item.id, '--scope', 'always']);
    if (offered.includes('allow-always')) {
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const entries = JSON.parse(String((await h.cli(['approvals', 'exec-allowlist', '--json'])).stdout)) as { source: string | null }[];
      expect(entries.some((e) => e.source === 'allow-always')).toBe(true);
    } else {
      expect(r.exitCode).toBe(2);
      expect(String(r.stderr)).toContain('OpenClaw does not offer "allow-always" for this command');
      expect((await list()).some((i) => i.id === item.id)).toBe(true);
      expect((await h.cli(['approvals', 'allow', item.id])).exitCode).toBe(0);
    }
    expect(JSON.parse(String((await chat).stdout)).reply).toContain('clawdeck-exec-always');
  }, 120_000);

  it("OpenClaw's exec allowlist is visible and revocable from clawdeck; an allowlisted command is not asked", async () => {
    const snap = (await gwClient.request('exec.approvals.get', {})) as Rec;
    const file = snap.file as Rec;
    const agents = { ...(file.agents as Rec), main: { allowlist: [{ id: 'clawdeck-test-date', pattern: '/usr/bin/date' }] } };
    await gwClient.request('exec.approvals.set', { file: { ...file, agents }, baseHash: snap.hash });
    const lr = await h.cli(['approvals', 'exec-allowlist', '--json']);
    expect(lr.exitCode, String(lr.stderr)).toBe(0);
    expect(JSON.parse(String(lr.stdout))).toEqual([
      { id: 'clawdeck-test-date', agent: 'main', pattern: '/usr/bin/date', arg_pattern: null, source: null, last_used_at: null, last_used_command: null },
    ]);
    const human = await h.cli(['approvals', 'exec-allowlist']);
    expect(String(human.stdout)).toMatch(/clawdeck-test-date\s+main\s+\/usr\/bin\/date/);

    // allowlisted: runs without a queue item
    const before = news.length;
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command: 'date +clawdeck-exec-listed' }) } });
    const ran = await h.cli(['chat', 'please run date', '--json', '--timeout', '2m']);
    expect(ran.exitCode, String(ran.stderr)).toBe(0);
    expect(JSON.parse(String(ran.stdout)).reply).toContain('tool said: clawdeck-exec-listed');
    expect(news.slice(before)).toEqual([]);

    const rv = await h.cli(['approvals', 'exec-revoke', 'clawdeck-test-date']);
    expect(rv.exitCode, String(rv.stderr)).toBe(0);
    expect(JSON.parse(String((await h.cli(['approvals', 'exec-allowlist', '--json'])).stdout))).toEqual([]);
    const again = await h.cli(['approvals', 'exec-revoke', 'clawdeck-test-date']);
    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toContain('has no entry "clawdeck-test-date"');
    // revoked: asked again
    const third = await askToRun('date +clawdeck-exec-revoked');
    expect((await h.cli(['approvals', 'deny', third.item.id])).exitCode).toBe(0);
    expect((await third.chat).exitCode).toBe(0);
  }, 180_000);

  it('resolved by another gateway client (OpenClaw UI) → the item disappears from the queue', async () => {
    const { chat, item } = await askToRun('echo clawdeck-exec-elsewhere');
    await gwClient.request('exec.approval.resolve', { id: item.id, decision: 'deny' });
    await waitFor(async () => !(await list()).some((i) => i.id === item.id), 'exec item gone after resolve elsewhere', 20_000);
    const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout));
    expect(st.approvals.pending).toBe(0);
    const late = await h.cli(['approvals', 'allow', item.id]);
    expect(late.exitCode).not.toBe(0);
    expect(String(late.stderr)).toMatch(/no pending approval/);
    expect((await chat).exitCode).toBe(0);
  }, 120_000);

  it('after a reconnect the queue is rebuilt from exec.approval.list: kept if still pending, gone if resolved meanwhile', async () => {
    const a = await askToRun('echo clawdeck-exec-replay-a');
    // a second one in another session, still pending after the reconnect
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: JSON.stringify({ command: 'echo clawdeck-exec-replay-b' }) } });
    const chatB = h.cli(['chat', 'please run b', '--session', 'replay-b', '--json', '--timeout', '2m']);
    const b = await waitFor(async () => (await list()).find((i) => i.command === 'echo clawdeck-exec-replay-b'), 'exec item b', 60_000);
    const status = async () => JSON.parse(String((await h.cli(['status', '--json'])).stdout));

    await relay.pause();
    await waitFor(async () => (await status()).agent.connected === false, 'daemon lost the gateway', 20_000);
    // decided elsewhere while the daemon is away: it never sees exec.approval.resolved for it
    await gwClient.request('exec.approval.resolve', { id: a.item.id, decision: 'deny' });
    expect((await list()).map((i) => i.id).sort()).toEqual([a.item.id, b.id].sort());
    await relay.resume();
    await waitFor(async () => (await status()).agent.connected === true, 'daemon reconnected', 30_000);
    const after = await waitFor(async () => {
      const l = await list();
      return l.some((i) => i.id === a.item.id) ? null : l;
    }, 'replayed queue without a', 20_000);
    expect(after.map((i) => i.id)).toEqual([b.id]);
    expect((await status()).approvals.pending).toBe(1);
    // still decidable after the reconnect
    expect((await h.cli(['approvals', 'allow', b.id])).exitCode).toBe(0);
    const rb = await chatB;
    expect(rb.exitCode, String(rb.stderr)).toBe(0);
    expect(JSON.parse(String(rb.stdout)).reply).toContain('clawdeck-exec-replay-b');
    await a.chat; // its chat.done went out while the daemon was away: that CLI call may time out; only let it finish
  }, 180_000);
});
