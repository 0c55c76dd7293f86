import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { HostGateway } from '../helpers/openclaw-host.js';
import { makeHome, snapshotOf, waitFor, TEST_CONFIG, type TestHome } from '../helpers/home.js';
import { DaemonClient } from '../../src/daemon/client.js';
import type { ChatDoneEvent } from '../../src/protocol/chat.js';

// A real daemon (--no-sandbox) whose chat bridge is pointed at a real OpenClaw gateway on host loopback
// (config agent.gateway_url + token_file), driven by `clawdeck chat` and the chat.* socket methods.
describe('chat bridge in a real daemon against a real OpenClaw gateway', () => {
  let up: FakeUpstream;
  let gw: HostGateway;
  let h: TestHome;

  beforeAll(async () => {
    up = await FakeUpstream.start('agent-daemon');
    gw = await HostGateway.start({ upstreamUrl: up.url });
    h = makeHome();
    const tokenFile = join(h.dir, 'gw-token');
    writeFileSync(tokenFile, gw.token + '\n', { mode: 0o600 });
    writeFileSync(h.paths.configFile, `${TEST_CONFIG}agent:\n  gateway_url: ${gw.url}\n  token_file: ${tokenFile}\n`);
    const r = await h.cli(['up', '--no-sandbox']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(async () => (await snapshotOf(h)).chat.connected, 'chat bridge connected', 30_000);
  }, 180_000);

  afterAll(async () => {
    await h?.cleanup();
    await gw?.stop();
    await up?.close();
  });

  it('`clawdeck chat --json` returns the reply, the session and OpenClaw usage', async () => {
    up.enqueue({ kind: 'stream', tokens: ['Hello', ' world', '!'], promptTokens: 77 });
    const r = await h.cli(['chat', 'Say hello', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out).toMatchObject({ session: 'agent:main:main', state: 'final', reply: 'Hello world!' });
    expect(out.usage).toEqual({ input: 77, output: 3, total: 80 });
    expect(out.tool_calls).toBeUndefined();
    const st = JSON.parse(String((await h.cli(['status', '--json'])).stdout));
    expect(st.agent).toEqual({ connected: true, gateway: gw.url, server: '2026.9.6', error: null });
  });

  it('`clawdeck chat` prints the streamed reply as plain text', async () => {
    up.enqueue({ kind: 'stream', tokens: ['one ', 'two ', 'three'], tokenDelayMs: 20 });
    const r = await h.cli(['chat', 'Count']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toBe('one two three');
  });

  it('publishes the conversation in the snapshot chat part', async () => {
    const s = await waitFor(async () => {
      const snap = await snapshotOf(h);
      return snap.chat.messages.some((m) => m.role === 'assistant' && m.text === 'one two three') ? snap : null;
    }, 'snapshot has the reply');
    expect(s.chat).toMatchObject({ connected: true, session: 'agent:main:main', running: false });
    expect(s.chat.messages.some((m) => m.role === 'user' && m.text === 'Count')).toBe(true);
    expect(s.chat.messages.every((m) => !m.streaming)).toBe(true);
  });

  it('streams chat.delta events to subscribers, then chat.done', async () => {
    up.enqueue({ kind: 'stream', tokens: ['a', 'b', 'c', 'd'], tokenDelayMs: 20 });
    const c = await DaemonClient.connect(h.paths.socket, 'test-deltas');
    try {
      const events: { event: string; data: Record<string, unknown> }[] = [];
      c.onEvent((event, data) => event.startsWith('chat.') && events.push({ event, data: data as Record<string, unknown> }));
      await c.request('subscribe');
      const { run_id } = await c.request('chat.send', { text: 'Letters' });
      const done = await waitFor(() => events.find((e) => e.event === 'chat.done' && e.data.run_id === run_id), 'chat.done', 60_000);
      const deltas = events.filter((e) => e.event === 'chat.delta' && e.data.run_id === run_id).map((e) => e.data.text).join('');
      expect(deltas).toBe('abcd');
      expect((done.data as unknown as ChatDoneEvent).reply).toBe('abcd');
    } finally {
      c.close();
    }
  });

  it('aborts a run from the socket; the one-shot CLI reports it and exits 1', async () => {
    up.enqueue({ kind: 'stream', tokens: Array.from({ length: 100 }, (_, i) => `t${i} `), tokenDelayMs: 100 });
    const cli = h.cli(['chat', 'Go on and on', '--json']);
    await waitFor(async () => (await snapshotOf(h)).chat.messages.some((m) => m.streaming && m.text.startsWith('t0')), 'streaming started', 60_000);
    const c = await DaemonClient.connect(h.paths.socket, 'test-abort');
    try {
      expect(await c.request('chat.abort', {})).toEqual({ aborted: true });
    } finally {
      c.close();
    }
    const r = await cli;
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(String(r.stdout)).state).toBe('aborted');
    const snap = await waitFor(async () => {
      const s = await snapshotOf(h);
      return !s.chat.running ? s : null;
    }, 'run no longer running');
    expect(snap.chat.messages.some((m) => m.role === 'status' && m.text === 'aborted')).toBe(true);
  });

  it('creates, lists and switches sessions; history follows the current session', async () => {
    const c = await DaemonClient.connect(h.paths.socket, 'test-sessions');
    try {
      expect(await c.request('chat.new', { session: 'work' })).toEqual({ session: 'agent:main:work' });
      up.enqueue({ kind: 'stream', tokens: ['work ', 'reply'] });
      const r = await h.cli(['chat', 'In the work session', '--json', '--session', 'work']);
      expect(JSON.parse(String(r.stdout))).toMatchObject({ session: 'agent:main:work', reply: 'work reply' });
      const list = await c.request('chat.sessions', {});
      expect(list.current).toBe('agent:main:work');
      expect(list.sessions.map((s) => s.key)).toEqual(expect.arrayContaining(['agent:main:main', 'agent:main:work']));
      const hist = await c.request('chat.history', {});
      expect(hist.messages.map((m) => m.text)).toEqual(['In the work session', 'work reply']);
      await c.request('chat.switch', { session: 'main' });
      const snap = await waitFor(async () => {
        const s = await snapshotOf(h);
        return s.chat.session === 'agent:main:main' && s.chat.messages.some((m) => m.text === 'Hello world!') ? s : null;
      }, 'main history back in the snapshot');
      expect(snap.chat.messages.some((m) => m.text === 'work reply')).toBe(false);
      expect(snap.chat.sessions).toEqual(expect.arrayContaining(['agent:main:main', 'agent:main:work']));
    } finally {
      c.close();
    }
  });

  it('notices a gateway restart, reconnects by itself and reloads the history', async () => {
    await gw.halt();
    await waitFor(async () => !(await snapshotOf(h)).chat.connected, 'snapshot shows the bridge disconnected', 30_000);
    await gw.run();
    const snap = await waitFor(async () => {
      const s = await snapshotOf(h);
      return s.chat.connected && s.chat.messages.some((m) => m.text === 'Hello world!') ? s : null;
    }, 'reconnected with history', 90_000);
    expect(snap.notices.map((n) => n.text)).toEqual(expect.arrayContaining([expect.stringMatching(/connection lost/), 'reconnected to the OpenClaw gateway']));
    up.enqueue({ kind: 'stream', tokens: ['back'] });
    const r = await h.cli(['chat', 'Still there?', '--json', '--session', 'main']);
    expect(JSON.parse(String(r.stdout)).reply).toBe('back');
  }, 180_000);
});

describe('chat bridge without a reachable gateway', () => {
  let h: TestHome;
  afterAll(async () => h?.cleanup());

  it('`clawdeck chat` fails with AGENT_NOT_CONNECTED and a hint, exit 1', async () => {
    h = makeHome(`${TEST_CONFIG}agent:\n  gateway_url: ws://127.0.0.1:9/\n`);
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    const r = await h.cli(['chat', 'hello']);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/not connected/);
  });
});
