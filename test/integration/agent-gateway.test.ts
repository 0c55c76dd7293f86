import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { HostGateway } from '../helpers/openclaw-host.js';
import { waitFor } from '../helpers/home.js';
import { GatewayClient } from '../../src/agent/gateway-client.js';
import { historyToMessages } from '../../src/agent/chat-state.js';

interface Seen {
  event: string;
  payload: Record<string, unknown>;
}

// The daemon's gateway client against a REAL `openclaw gateway run` on host loopback, reached through a Unix
// socket relay exactly like the sandbox's (the fake upstream plays the model).
describe('gateway client against a real OpenClaw gateway', () => {
  let up: FakeUpstream;
  let gw: HostGateway;
  let dir: string;
  let client: GatewayClient;
  const seen: Seen[] = [];

  const runEvents = (runId: string, event = 'chat'): Record<string, unknown>[] =>
    seen.filter((e) => e.event === event && e.payload.runId === runId).map((e) => e.payload);
  const send = async (message: string, sessionKey = 'main'): Promise<string> => {
    const r = await client.request<{ runId: string }>('chat.send', { sessionKey, message, idempotencyKey: randomUUID() });
    return r.runId;
  };
  const ended = (runId: string, state: string) =>
    waitFor(() => runEvents(runId).find((p) => p.state === state), `chat ${state} for ${runId}`, 60_000);

  beforeAll(async () => {
    up = await FakeUpstream.start('agent-gw');
    gw = await HostGateway.start({ upstreamUrl: up.url });
    dir = mkdtempSync(join(tmpdir(), 'clawdeck-relay-'));
    await gw.relaySocket(join(dir, 'gateway.sock'));
    client = new GatewayClient({
      target: { kind: 'unix', path: join(dir, 'gateway.sock') },
      token: () => gw.token,
      version: '0.0.0-test',
      onEvent: (event, payload) => seen.push({ event, payload: payload as Record<string, unknown> }),
    });
    client.start();
    await client.waitConnected(30_000);
  }, 180_000);

  afterAll(async () => {
    client?.stop();
    await gw?.stop();
    await up?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects as a backend operator with the approvals scope over the relay socket', () => {
    expect(client.status.server).toBe('2026.9.6');
    expect(client.status.scopes).toEqual(expect.arrayContaining(['operator.read', 'operator.write', 'operator.approvals']));
  });

  it('streams a reply as deltas, then a final event with the whole text', async () => {
    up.enqueue({ kind: 'stream', tokens: ['Hel', 'lo ', 'from ', 'the ', 'fake'], tokenDelayMs: 30 });
    const runId = await send('Say hello');
    const final = await ended(runId, 'final');
    const deltas = runEvents(runId).filter((p) => p.state === 'delta');
    expect(deltas.length).toBeGreaterThan(0);
    const streamed = deltas.reduce((acc, d) => (d.replace ? String(d.deltaText) : acc + String(d.deltaText)), '');
    expect(streamed).toBe('Hello from the fake');
    expect(JSON.stringify(final.message)).toContain('Hello from the fake');
    // The model call went to our upstream, streamed, with usage asked for.
    const call = up.requests.find((r) => r.path === '/v1/chat/completions');
    expect(call?.body?.stream).toBe(true);
  });

  it('keeps the turn in chat.history (user message, assistant reply with usage)', async () => {
    const h = await client.request<Record<string, unknown>>('chat.history', { sessionKey: 'main', limit: 20 });
    const msgs = historyToMessages(h);
    expect(msgs.some((m) => m.role === 'user' && m.text === 'Say hello')).toBe(true);
    expect(msgs.some((m) => m.role === 'assistant' && m.text === 'Hello from the fake')).toBe(true);
    const raw = (h.messages as Record<string, unknown>[]).find((m) => m.role === 'assistant');
    expect((raw?.usage as { input: number }).input).toBe(42);
  });

  it('aborts a running turn: the stream stops and an aborted event arrives', async () => {
    up.enqueue({ kind: 'stream', tokens: Array.from({ length: 200 }, (_, i) => `w${i} `), tokenDelayMs: 100 });
    const runId = await send('Write a long essay', 'abort-test');
    await waitFor(() => runEvents(runId).find((p) => p.state === 'delta'), 'first delta', 60_000);
    await client.request('chat.abort', { sessionKey: 'abort-test' });
    const aborted = await ended(runId, 'aborted');
    expect(aborted.sessionKey).toBe('agent:main:abort-test');
    expect(runEvents(runId).some((p) => p.state === 'final')).toBe(false);
    // The upstream request was cancelled, not left streaming all 200 tokens.
    await waitFor(() => up.requests.at(-1)?.aborted, 'upstream request cancelled', 20_000);
  });

  it('reconnects by itself after the gateway restarts, and the history is still there', async () => {
    await gw.halt();
    await waitFor(() => client.status.phase === 'disconnected', 'client sees the gateway go', 20_000);
    await gw.run();
    // A gateway restart costs OpenClaw ~15 CPU-seconds: generous on a loaded 2-core machine.
    await client.waitConnected(150_000);
    const h = await client.request('chat.history', { sessionKey: 'main', limit: 20 });
    expect(historyToMessages(h).some((m) => m.role === 'assistant' && m.text === 'Hello from the fake')).toBe(true);
    // And a new turn works on the new connection.
    up.enqueue({ kind: 'stream', tokens: ['after ', 'restart'] });
    const runId = await send('Again');
    await ended(runId, 'final');
    expect(runEvents(runId).filter((p) => p.state === 'delta').map((p) => p.deltaText).join('')).toBe('after restart');
  }, 240_000);

  it('reports a wrong token in OpenClaw words and keeps retrying', async () => {
    const bad = new GatewayClient({ target: { kind: 'url', url: gw.url }, token: () => 'wrong-token', version: '0.0.0-test' });
    bad.start();
    try {
      await waitFor(() => bad.status.error, 'connect error', 20_000);
      expect(bad.connected).toBe(false);
      expect(bad.status.error).toMatch(/token|auth|unauthorized/i);
    } finally {
      bad.stop();
    }
  });
});
