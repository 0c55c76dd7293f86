import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { readProviderKey } from '../config/provider-key.js';
import type { Logger } from '../daemon/log.js';
import { requestFacts, routeRequest, listedModels, type RouteTarget } from './route.js';
import { countTokens } from './estimate.js';
import { SseTap } from './sse-tap.js';
import { sendUpstream, scrubKeys, type Endpoint, type UpstreamPool } from './upstream.js';
import type { InferenceMeter, LiveCall } from './meter.js';

// Request and non-streamed response bodies above this are refused (an agent never needs more).
export const MAX_BODY = 32 << 20;

export interface RouterDeps {
  config: () => Config['inference'];
  meter: InferenceMeter;
  log: Logger;
  dispatcher: UpstreamPool;
  env: NodeJS.ProcessEnv;
}

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat/completions',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};

// OpenAI-style error body: what an agent's client library knows how to read.
const sendError = (res: ServerResponse, status: number, type: string, message: string, extra: Record<string, unknown> = {}): void => {
  if (res.headersSent) return void res.end();
  const body = JSON.stringify({ error: { message, type, code: type, ...extra } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

// Reads a body up to `max` bytes; null when it is larger (the rest is discarded).
const readBody = async (stream: AsyncIterable<Buffer | Uint8Array>, max: number): Promise<Buffer | null> => {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > max) return null;
    parts.push(Buffer.from(c.buffer, c.byteOffset, c.length));
  }
  return Buffer.concat(parts);
};

const retryable = (status: number): boolean => status === 429 || status >= 500;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

const errMessage = (e: unknown): string => {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return [err.code, err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(': ');
};

const promptTextOf = (body: Record<string, unknown>): string => {
  const parts: string[] = [];
  if (Array.isArray(body.messages)) for (const m of body.messages as { content?: unknown }[]) parts.push(typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? ''));
  if (typeof body.prompt === 'string') parts.push(body.prompt);
  if (body.input !== undefined) parts.push(typeof body.input === 'string' ? body.input : JSON.stringify(body.input));
  if (Array.isArray(body.tools)) parts.push(JSON.stringify(body.tools));
  return parts.join('\n');
};

// The router's HTTP handler: OpenAI-compatible surface, routing, fallback, streaming pass-through, metering.
export const createRouterHandler = (deps: RouterDeps) => {
  const keys = (): string[] =>
    Object.values(deps.config().providers)
      .map((p) => readProviderKey(p, deps.env))
      .filter((k): k is string => Boolean(k));

  const listModels = (res: ServerResponse): void => {
    const data = listedModels(deps.config()).map((id) => ({ id, object: 'model', created: 0, owned_by: 'clawdeck' }));
    const body = JSON.stringify({ object: 'list', data });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  // Streams an SSE response to the client as chunks arrive, tapping usage and deltas on the way.
  const pipeStream = async (up: Dispatcher.ResponseData, res: ServerResponse, call: LiveCall, route: string, signal: AbortSignal): Promise<void> => {
    res.writeHead(up.statusCode, {
      'content-type': String(up.headers['content-type'] ?? 'text/event-stream'),
      'cache-control': 'no-cache',
      'x-clawdeck-route': route,
      'x-clawdeck-provider': call.provider,
      'x-clawdeck-model': call.model,
    });
    res.flushHeaders();
    const tap = new SseTap({ onDelta: () => call.onDelta() });
    // Usage (or the text to estimate from) is read from the stream once, when it ends for whatever reason.
    const settle = (): number => {
      const t = tap.finish();
      if (t.usage) call.onUsage(t.usage);
      call.setTextSource(() => t.text);
      return t.garbage;
    };
    // Chunks are written as they arrive. Only when they arrive faster than one per millisecond (far above any
    // model's rate) are they gathered for up to 1 ms into one write, so a fast upstream does not cost a syscall
    // per token on both sides. A chunk after a quiet millisecond (the first one, any paced token) is never held.
    const failure = await new Promise<unknown>((resolve) => {
      const body = up.body;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let timer: NodeJS.Timeout | undefined;
      let lastWrite = -Infinity;
      const write = (c: Buffer): void => {
        lastWrite = performance.now();
        if (!res.write(c)) {
          body.pause();
          res.once('drain', () => body.resume());
        }
      };
      const flush = (): void => {
        clearTimeout(timer);
        timer = undefined;
        if (!pending.length) return;
        const c = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        write(c);
      };
      body.on('data', (c: Buffer) => {
        tap.push(c);
        if (!timer && performance.now() - lastWrite >= 1) return write(c);
        pending.push(c);
        pendingBytes += c.length;
        if (pendingBytes >= 64 * 1024) flush();
        else timer ??= setTimeout(flush, 1);
      });
      body.once('end', () => (flush(), resolve(null)));
      body.once('error', (e) => (flush(), resolve(e ?? new Error('upstream body error'))));
    });
    if (failure !== null) {
      const e = failure;
      settle();
      if (signal.aborted) {
        call.finish('cancelled', up.statusCode, 'client disconnected');
        return;
      }
      const stalled = (e as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
      const msg = stalled ? 'upstream stalled (no data within stall_timeout)' : `upstream stream broke: ${errMessage(e)}`;
      deps.log.warn('inference stream failed', { provider: call.provider, model: call.model, error: scrubKeys(msg, keys()) });
      if (!res.destroyed) res.end(`data: ${JSON.stringify({ error: { message: msg, type: stalled ? 'upstream_stall' : 'upstream_disconnect' } })}\n\n`);
      call.finish('error', up.statusCode, msg);
      return;
    }
    const garbage = settle();
    if (signal.aborted) {
      up.body.destroy();
      call.finish('cancelled', up.statusCode, 'client disconnected');
      return;
    }
    res.end();
    call.finish('done', up.statusCode);
    if (garbage) deps.log.warn('inference stream had unparsable SSE events', { id: call.id, provider: call.provider, garbage });
  };

  // A non-streamed answer: read whole (capped), take usage from it, pass it on unchanged.
  const sendWhole = async (up: Dispatcher.ResponseData, res: ServerResponse, call: LiveCall, route: string): Promise<void> => {
    let buf: Buffer | null;
    try {
      buf = await readBody(up.body, MAX_BODY);
    } catch (e) {
      const stalled = (e as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
      const msg = stalled ? 'upstream stalled (no data within stall_timeout)' : `upstream answer broke: ${errMessage(e)}`;
      call.finish(res.destroyed ? 'cancelled' : 'error', up.statusCode, msg);
      return sendError(res, 502, stalled ? 'upstream_stall' : 'upstream_disconnect', `clawdeck: ${msg}`);
    }
    if (buf === null) {
      up.body.destroy();
      call.finish('error', 502, 'upstream response over 32 MiB');
      return sendError(res, 502, 'upstream_too_large', 'the upstream response exceeded the 32 MiB limit');
    }
    call.onDelta('');
    try {
      const obj = JSON.parse(buf.toString('utf8')) as { usage?: Parameters<LiveCall['onUsage']>[0]; choices?: { message?: { content?: unknown }; text?: unknown }[] };
      if (obj.usage) call.onUsage(obj.usage);
      else for (const c of obj.choices ?? []) call.onDelta(typeof c.message?.content === 'string' ? c.message.content : typeof c.text === 'string' ? c.text : '');
    } catch {
      // not JSON: passed on as is, counted as an estimate
    }
    let out: Buffer = buf;
    for (const k of keys()) if (k.length >= 4 && out.includes(k)) out = Buffer.from(scrubKeys(out.toString('utf8'), [k]));
    res.writeHead(up.statusCode, {
      'content-type': String(up.headers['content-type'] ?? 'application/json'),
      'content-length': out.length,
      'x-clawdeck-route': route,
      'x-clawdeck-provider': call.provider,
      'x-clawdeck-model': call.model,
    });
    res.end(out);
    call.finish(up.statusCode < 400 ? 'done' : 'error', up.statusCode);
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> => {
    // The upstream pool loads while the body arrives (only the daemon's first routed request waits for it).
    deps.dispatcher.warm();
    const raw = await readBody(req, MAX_BODY);
    if (raw === null) {
      // The rest of the body is never read: close this connection rather than reuse it.
      res.setHeader('connection', 'close');
      const sock = req.socket;
      res.on('finish', () => sock?.destroy());
      return sendError(res, 413, 'request_too_large', 'request body exceeds the 32 MiB limit');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8'));
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return sendError(res, 400, 'invalid_request_error', 'request body is not a JSON object');
    }
    const cfg = deps.config();
    const budget = deps.meter.budget();
    const facts = requestFacts(body, countTokens);
    const decision = routeRequest(cfg, facts);
    const first = decision.chain[0]!;
    if (budget.state === 'blocked') {
      const call = deps.meter.begin(endpoint, first.provider, first.model, decision.rule, () => '');
      call.finish('refused', 429, budget.reason ?? 'budget reached');
      return sendError(res, 429, 'budget_exceeded', `clawdeck: ${budget.reason}. New inference calls are refused until the cap is raised or resets.`, {
        budget: { cap: budget.cap, used_fraction: budget.used_fraction, cost_cap: budget.cost_cap, token_cap: budget.token_cap },
        hint: 'The user can raise it with: clawdeck budget set',
      });
    }
    const stream = body.stream === true;
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const call = deps.meter.begin(endpoint, first.provider, first.model, decision.rule, () => promptTextOf(body), Math.ceil(raw.length / 4));
    try {
      let last: { status: number; body: Buffer; type: string } | null = null;
      let lastError = '';
      for (const [i, target] of decision.chain.entries()) {
        if (ac.signal.aborted) break;
        const provider = cfg.providers[target.provider];
        if (!provider) {
          lastError = `provider "${target.provider}" is not configured`;
          continue;
        }
        if (i > 0) {
          await sleep(cfg.fallback_backoff * 2 ** (i - 1), ac.signal);
          call.attempts = i + 1;
        }
        call.provider = target.provider;
        call.model = target.model;
        const out: Record<string, unknown> = { ...body, model: target.model };
        if (stream && provider.include_usage && endpoint !== 'embeddings') {
          const so = typeof body.stream_options === 'object' && body.stream_options !== null ? body.stream_options : {};
          out.stream_options = { ...so, include_usage: true };
        }
        let up: Dispatcher.ResponseData;
        try {
          up = await sendUpstream({ provider, endpoint, body: JSON.stringify(out), signal: ac.signal, stallMs: cfg.stall_timeout, dispatcher: deps.dispatcher, env: deps.env });
        } catch (e) {
          if (ac.signal.aborted) break;
          lastError = `${target.provider}: ${errMessage(e)}`;
          deps.log.warn('inference upstream failed', { provider: target.provider, model: target.model, attempt: i + 1, error: scrubKeys(lastError, keys()) });
          continue;
        }
        if (retryable(up.statusCode)) {
          const buf = (await readBody(up.body, 1 << 20).catch(() => null)) ?? Buffer.alloc(0);
          last = { status: up.statusCode, body: buf, type: String(up.headers['content-type'] ?? 'application/json') };
          lastError = `${target.provider}: HTTP ${up.statusCode}`;
          deps.log.warn('inference upstream refused', { provider: target.provider, model: target.model, attempt: i + 1, status: up.statusCode });
          continue;
        }
        // Committed: from here on the request is never replayed elsewhere.
        const route = decision.rule;
        const isSse = String(up.headers['content-type'] ?? '').includes('text/event-stream');
        if (stream && isSse && up.statusCode < 300) return await pipeStream(up, res, call, route, ac.signal);
        return await sendWhole(up, res, call, route);
      }
      if (ac.signal.aborted) {
        call.finish('cancelled', null, 'client disconnected');
        return;
      }
      if (last) {
        call.finish('error', last.status, lastError);
        const text = scrubKeys(last.body.toString('utf8'), keys());
        res.writeHead(last.status, { 'content-type': last.type, 'content-length': Buffer.byteLength(text), 'x-clawdeck-route': decision.rule });
        res.end(text);
        return;
      }
      call.finish('error', 502, lastError);
      sendError(res, 502, 'upstream_unavailable', `clawdeck: no provider answered (${lastError || 'no providers configured'})`);
    } catch (e) {
      // Whatever went wrong, the call leaves the live list and reaches the ledger.
      call.finish(ac.signal.aborted ? 'cancelled' : 'error', null, errMessage(e));
      throw e;
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return listModels(res);
    const endpoint = ENDPOINTS[path] ?? ENDPOINTS[`/v1${path}`];
    if (!endpoint) return sendError(res, 404, 'not_found', `clawdeck inference router has no ${req.method} ${path}`);
    if (req.method !== 'POST') return sendError(res, 405, 'method_not_allowed', `${path} takes POST`);
    forward(req, res, endpoint).catch((e: unknown) => {
      deps.log.error('inference handler failed', { error: scrubKeys(errMessage(e), keys()) });
      sendError(res, 500, 'router_error', 'clawdeck inference router failed; see the daemon log');
    });
  };
};

export type { RouteTarget };
