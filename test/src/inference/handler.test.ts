import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { request } from 'node:http';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { FakeUpstream, DEFAULT_PROMPT_TOKENS } from '../../helpers/fake-upstream.js';
import { startRouter, routerConfig, post, type RouterHarness } from '../../helpers/inference.js';
import { waitFor } from '../../helpers/home.js';
import { countTokens } from 'gpt-tokenizer';
import { preloadTokenizer } from '../../../src/inference/estimate.js';
import { readLedger } from '../../../src/inference/ledger.js';

const KEY = 'sk-test-SECRET-0123456789abcdef';
const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'fake-model',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

describe('inference router (real HTTP, fake upstream on loopback)', () => {
  let up: FakeUpstream;
  let spare: FakeUpstream;
  let r: RouterHarness;

  beforeAll(async () => {
    await preloadTokenizer();
    up = await FakeUpstream.start('primary');
    spare = await FakeUpstream.start('spare');
    r = await startRouter(
      routerConfig(
        {
          primary: { url: up.url, keyEnv: 'FAKE_KEY', extra: 'prices:\n  fake-model: {input: 1000, output: 2000}' },
          spare: { url: spare.url, models: ['spare-model'] },
        },
        '  fallback: [spare]\n  stall_timeout: 300ms\n  routes:\n    - name: heartbeat\n      match: {last_user: "^heartbeat"}\n      provider: spare\n',
      ),
      { FAKE_KEY: KEY },
    );
  });
  afterAll(async () => {
    await r?.stop();
    await up?.close();
    await spare?.close();
  });
  afterEach(() => {
    up.requests.length = 0;
    spare.requests.length = 0;
    up.setDefault({ kind: 'stream' });
    spare.setDefault({ kind: 'stream' });
  });

  const lastEntry = async () => (await r.service.flushed(), readLedger(r.paths.usageLedger).at(-1)!);

  it('Streams chunks through unchanged and takes exact counts from the final usage chunk', async () => {
    up.enqueue({ kind: 'stream', tokens: ['Hel', 'lo', ' there', '!'], promptTokens: 1234, cachedTokens: 1000 });
    const res = await post(r.base, '/chat/completions', chat(), { authorization: 'Bearer dummy-agent-key' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-clawdeck-route')).toBe('default');
    const deltas = res.events.map((e) => (e as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '').join('');
    expect(deltas).toBe('Hello there!');
    const seen = up.requests[0]!;
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen.body!.stream_options).toEqual({ include_usage: true });
    const e = await lastEntry();
    expect(e).toMatchObject({ tokens_in: 1234, tokens_out: 4, cached_tokens: 1000, estimated: false, status: 'done', provider: 'primary', rule: 'default' });
    expect(e.cost).toBeCloseTo((1234 * 1000 + 4 * 2000) / 1e6, 9);
    expect(e.ttft_ms).not.toBeNull();
  });

  it('Keeps the client stream_options fields and never forwards the client Authorization', async () => {
    await post(r.base, '/chat/completions', chat({ stream_options: { include_usage: false, foo: 1 }, temperature: 0.3, custom: { a: [1] } }), { authorization: 'Bearer agent' });
    const b = up.requests[0]!.body!;
    expect(b.stream_options).toEqual({ include_usage: true, foo: 1 });
    expect(b.temperature).toBe(0.3);
    expect(b.custom).toEqual({ a: [1] });
    expect(JSON.stringify(up.requests[0]!.headers)).not.toContain('agent');
  });

  it('Estimates with a real tokenizer and flags the figure when the provider sends no usage', async () => {
    up.enqueue({ kind: 'stream', tokens: ['The quick', ' brown fox', ' jumps over the lazy dog.'], usage: false });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(200);
    const e = await lastEntry();
    expect(e.estimated).toBe(true);
    expect(e.tokens_out).toBe(countTokens('The quick brown fox jumps over the lazy dog.'));
    expect(e.tokens_in).toBe(countTokens('Say hello'));
    await waitFor(() => r.ctx.store.current.meter.recent[0]?.id === e.id, 'meter recent call');
    expect(r.ctx.store.current.meter.recent[0]!.estimated).toBe(true);
    expect(r.ctx.store.current.meter.per_model.find((m) => m.model === 'fake-model')!.estimated).toBe(true);
  });

  it('Counts tool-call deltas and passes non-streamed answers and embeddings with exact usage', async () => {
    up.enqueue({ kind: 'stream', toolCall: { name: 'exec', arguments: '{"cmd":"ls -la"}' } });
    const t = await post(r.base, '/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'exec' } }] }));
    expect(t.text).toContain('tool_calls');
    expect(await lastEntry()).toMatchObject({ tokens_out: 2, estimated: false });

    up.enqueue({ kind: 'json', promptTokens: 77 });
    const j = await post(r.base, '/chat/completions', chat({ stream: false }));
    expect(j.status).toBe(200);
    expect(JSON.parse(j.text).choices[0].message.content).toBe('Hello world!');
    expect(await lastEntry()).toMatchObject({ tokens_in: 77, tokens_out: 3, estimated: false });

    up.enqueue({ kind: 'json', promptTokens: 9 });
    const emb = await post(r.base, '/embeddings', { model: 'fake-model', input: 'abc' });
    expect(JSON.parse(emb.text).data[0].embedding).toHaveLength(3);
    expect(up.requests.at(-1)!.path).toBe('/v1/embeddings');
    expect(await lastEntry()).toMatchObject({ endpoint: 'embeddings', tokens_in: 9, tokens_out: 0 });

    const comp = await post(r.base, '/completions', { model: 'fake-model', prompt: 'Once', stream: true });
    expect(comp.status).toBe(200);
    expect(await lastEntry()).toMatchObject({ endpoint: 'completions', tokens_out: 3, estimated: false });
  });

  it('Meters twenty concurrent streams exactly, each on its own ledger line', async () => {
    up.setDefault((req) => ({ kind: 'stream', tokens: Array.from({ length: 5 + Number((req.body!.messages as { content: string }[])[0]!.content) }, () => 'w'), promptTokens: 100, tokenDelayMs: 2 }));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(r.base, '/chat/completions', chat({ messages: [{ role: 'user', content: String(i) }] }))));
    expect(results.every((x) => x.status === 200)).toBe(true);
    await r.service.flushed();
    const entries = readLedger(r.paths.usageLedger).slice(-20);
    expect(entries.map((e) => e.tokens_out).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 5 + i));
    expect(entries.every((e) => e.tokens_in === 100 && !e.estimated && e.status === 'done')).toBe(true);
    expect(new Set(entries.map((e) => e.id)).size).toBe(20);
  });

  it('Lists the configured models on GET /v1/models', async () => {
    const res = await fetch(`${r.base}/models`);
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toEqual(['fake-model']);
  });

  it('Routes by rule and records which rule routed the call', async () => {
    const res = await post(r.base, '/chat/completions', chat({ messages: [{ role: 'user', content: 'heartbeat check' }] }));
    expect(res.headers.get('x-clawdeck-route')).toBe('heartbeat');
    expect(spare.requests).toHaveLength(1);
    expect(spare.requests[0]!.body!.model).toBe('spare-model');
    expect(up.requests).toHaveLength(0);
    expect(await lastEntry()).toMatchObject({ rule: 'heartbeat', provider: 'spare', model: 'spare-model' });
    await waitFor(() => r.ctx.store.current.status.inference.last_call?.rule === 'heartbeat', 'status last_call');
  });

  for (const [title, behavior] of [
    ['a 500', { kind: 'status', status: 500 }],
    ['a 429', { kind: 'status', status: 429, retryAfter: 1 }],
    ['a dropped connection', { kind: 'destroy' }],
  ] as const) {
    it(`Falls back to the next provider after ${title} before streaming`, async () => {
      up.enqueue(behavior);
      const res = await post(r.base, '/chat/completions', chat());
      expect(res.status).toBe(200);
      expect(up.requests).toHaveLength(1);
      expect(spare.requests).toHaveLength(1);
      expect(spare.requests[0]!.body!.model).toBe('spare-model');
      expect(await lastEntry()).toMatchObject({ provider: 'spare', attempts: 2, status: 'done' });
    });
  }

  it('Returns the last upstream error when every provider fails', async () => {
    up.enqueue({ kind: 'status', status: 503 });
    spare.enqueue({ kind: 'status', status: 429, body: { error: { message: 'slow down', type: 'rate_limit' } } });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text).error.message).toBe('slow down');
    expect(await lastEntry()).toMatchObject({ status: 'error', attempts: 2, tokens_in: 0, tokens_out: 0, estimated: false });
  });

  it('Never replays a request after the upstream started streaming (mid-stream disconnect)', async () => {
    up.enqueue({ kind: 'stream', tokens: ['a', 'b', 'c', 'd'], disconnectAfter: 2 });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(200);
    expect(res.text).toContain('upstream_disconnect');
    expect(spare.requests).toHaveLength(0);
    expect(await lastEntry()).toMatchObject({ status: 'error', provider: 'primary' });
  });

  it('Ends a stalled stream after stall_timeout with an error event', async () => {
    up.enqueue({ kind: 'stream', tokens: ['a', 'b', 'c'], stallAfter: 1 });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.text).toContain('upstream_stall');
    expect(await lastEntry()).toMatchObject({ status: 'error' });
    expect(spare.requests).toHaveLength(0);
  });

  it('Ends a stalled non-streamed answer with an error and never leaves the call live', async () => {
    up.enqueue({ kind: 'hang' });
    const before = (await lastEntry())?.id;
    const res = await post(r.base, '/chat/completions', chat({ stream: false }));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error.type).toBe('upstream_stall');
    const e = await lastEntry();
    expect(e.id).not.toBe(before);
    expect(e).toMatchObject({ status: 'error' });
    await waitFor(() => r.ctx.store.current.meter.active.length === 0, 'no live calls');
  });

  it('Forwards garbage SSE as is and marks the count as an estimate', async () => {
    up.enqueue({ kind: 'garbage' });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(200);
    expect(res.text).toContain('data: {not json');
    expect(await lastEntry()).toMatchObject({ status: 'done', estimated: true });
  });

  it('Cancels the upstream request when the client disconnects', async () => {
    up.enqueue({ kind: 'stream', tokens: Array.from({ length: 200 }, () => 'x'), tokenDelayMs: 20 });
    const url = new URL(`${r.base}/chat/completions`);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify(chat()));
      setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
    });
    await waitFor(() => up.requests[0]?.aborted, 'upstream to see the abort');
    await waitFor(async () => (await lastEntry())?.status === 'cancelled', 'cancelled ledger entry');
    expect(up.requests[0]!.finished).toBe(false);
  });

  it('Publishes live snapshots of a running stream (tokens so far, TTFT, tokens/s)', async () => {
    up.enqueue({ kind: 'stream', tokens: Array.from({ length: 30 }, () => 'y'), tokenDelayMs: 20, firstTokenDelayMs: 30 });
    const p = post(r.base, '/chat/completions', chat());
    const live = await waitFor(() => r.ctx.store.current.meter.active.find((c) => c.tokens_out > 3 && c.status === 'streaming'), 'a live call');
    expect(live.ttft_ms).toBeGreaterThan(20);
    expect(live.tokens_per_s).toBeGreaterThan(0);
    expect(live.rule).toBe('default');
    expect(live.tokens_in).toBeGreaterThan(0);
    expect(live.estimated).toBe(true);
    await p;
    await waitFor(() => r.ctx.store.current.meter.active.length === 0, 'call to finish');
  });

  it('Waits out a slow first token that stays within the stall timeout, and reports its TTFT', async () => {
    up.enqueue({ kind: 'stream', firstTokenDelayMs: 200 });
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('upstream_stall');
    const e = await lastEntry();
    expect(e.status).toBe('done');
    expect(e.ttft_ms).toBeGreaterThanOrEqual(190);
  });

  it('Patches the snapshot a few times per second during a stream, not once per token', async () => {
    up.enqueue({ kind: 'stream', tokens: Array.from({ length: 100 }, () => 'z'), tokenDelayMs: 10 });
    const seq0 = r.ctx.store.current.seq;
    const res = await post(r.base, '/chat/completions', chat());
    expect(res.status).toBe(200);
    const e = await lastEntry();
    const patches = r.ctx.store.current.seq - seq0;
    // ~1 s of streaming: 4 live ticks/s plus start, end and status; 100 tokens would be 100+.
    expect(patches).toBeLessThanOrEqual(Math.ceil(e.elapsed_ms / 100) + 4);
    expect(patches).toBeGreaterThanOrEqual(3);
  });

  it('Refuses a request body over 32 MiB with 413 and a bad body with 400', async () => {
    const big = await post(r.base, '/chat/completions', { messages: [{ role: 'user', content: 'x'.repeat(33 << 20) }] });
    expect(big.status).toBe(413);
    const bad = await fetch(`${r.base}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    expect(up.requests).toHaveLength(0);
  });

  it('Refuses a non-streamed upstream answer over 32 MiB with 502', async () => {
    up.enqueue({ kind: 'json', padBytes: 33 << 20 });
    const res = await post(r.base, '/chat/completions', chat({ stream: false }));
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error.type).toBe('upstream_too_large');
    expect(await lastEntry()).toMatchObject({ status: 'error', http_status: 502 });
  });

  it('Adds a provider with a 0600 key file at runtime (refusing a world-readable one) and sends its key', async () => {
    const loose = join(r.paths.configDir, 'loose.key');
    writeFileSync(loose, 'file-key-LOOSE-123456\n');
    chmodSync(loose, 0o644);
    await expect(r.client.request('provider.add', { name: 'filekey', base_url: spare.url, key_file: loose, models: ['m1'], replace: false })).rejects.toMatchObject({ code: 'KEY_FILE_MODE' });
    const tight = join(r.paths.configDir, 'tight.key');
    writeFileSync(tight, 'file-key-TIGHT-654321\n', { mode: 0o600 });
    const info = await r.client.request('provider.add', { name: 'filekey', base_url: spare.url, key_file: tight, models: ['m1'], replace: false });
    expect(info).toMatchObject({ key_present: true, key_source: `file ${tight}` });
    const res = await post(r.base, '/chat/completions', chat({ model: 'm1', messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(200);
    // m1 is not the default provider's model: the default provider serves it as its first model.
    expect(up.requests).toHaveLength(1);
    await r.client.request('provider.use', { name: 'filekey' });
    await post(r.base, '/chat/completions', chat({ model: 'm1' }));
    expect(spare.requests.at(-1)!.headers.authorization).toBe('Bearer file-key-TIGHT-654321');
    await r.client.request('provider.use', { name: 'primary' });
    await r.client.request('provider.remove', { name: 'filekey' });
    expect(JSON.stringify(await r.client.request('provider.list'))).not.toContain('TIGHT-654321');
  });

  it('Scrubs a key an upstream echoes back, and no output carries the key', async () => {
    up.enqueue({ kind: 'status', status: 401, body: { error: { message: `bad key ${KEY}` } } });
    const res = await post(r.base, '/chat/completions', chat({ stream: false }));
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(KEY);
    expect(res.text).toContain('[redacted]');
    const list = await r.client.request('provider.list');
    const status = await r.client.request('status');
    for (const out of [JSON.stringify(list), JSON.stringify(status), JSON.stringify(r.ctx.store.current), r.logText(), await r.ledgerText()]) {
      expect(out).not.toContain(KEY);
    }
    expect(list.providers.find((p) => p.name === 'primary')).toMatchObject({ key_present: true, key_source: 'env FAKE_KEY' });
  });
});
