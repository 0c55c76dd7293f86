import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// What the fake provider does with one request. Scripted per test: enqueue() for the next requests,
// setDefault() for the rest. Everything runs on loopback; nothing here reaches a real provider.
export type Behavior =
  | {
      kind: 'stream';
      // Content deltas, one SSE chunk each (default ["Hello", " world", "!"]).
      tokens?: string[];
      // true: always send a usage chunk; false: never; 'auto' (default): only if stream_options.include_usage.
      usage?: boolean | 'auto';
      promptTokens?: number;
      cachedTokens?: number;
      firstTokenDelayMs?: number;
      tokenDelayMs?: number;
      // Tokens written back to back before each tokenDelayMs pause (default 1): paced high rates.
      burst?: number;
      // End with an SSE comment ": upstream_ms=N" (first to last token written), for throughput benchmarks.
      timing?: boolean;
      // Destroy the connection after this many content chunks (mid-stream disconnect).
      disconnectAfter?: number;
      // Stop sending (keep the connection open) after this many content chunks.
      stallAfter?: number;
      // Stream a tool call instead of text.
      toolCall?: { name: string; arguments: string };
    }
  | { kind: 'json'; content?: string; usage?: boolean; promptTokens?: number; padBytes?: number }
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: number }
  | { kind: 'garbage'; lines?: string[] }
  | { kind: 'hang' }
  | { kind: 'destroy' };

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
  raw: string;
  behavior: Behavior;
  // Set when the client (the router) went away before the response finished.
  aborted: boolean;
  finished: boolean;
}

type Chooser = Behavior | ((req: SeenRequest) => Behavior);

const DEFAULT_TOKENS = ['Hello', ' world', '!'];
export const DEFAULT_PROMPT_TOKENS = 42;

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

// An OpenAI-compatible streaming server on 127.0.0.1 that tests and benchmarks script call by call.
export class FakeUpstream {
  readonly requests: SeenRequest[] = [];
  private queue: Behavior[] = [];
  private fallback: Chooser = { kind: 'stream' };
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly name: string,
  ) {}

  static async start(name = 'fake'): Promise<FakeUpstream> {
    let self: FakeUpstream | undefined;
    const server = createServer({ noDelay: true }, (req, res) => void self!.serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new FakeUpstream(server, (server.address() as AddressInfo).port, name);
    server.on('connection', (s: Socket) => {
      self!.sockets.add(s);
      s.on('close', () => self!.sockets.delete(s));
    });
    return self;
  }

  // The base_url a provider config points at.
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  enqueue(...b: Behavior[]): this {
    this.queue.push(...b);
    return this;
  }

  setDefault(b: Chooser): this {
    this.fallback = b;
    return this;
  }

  // Resolves once at least n requests arrived.
  async waitForRequests(n: number, timeoutMs = 10_000): Promise<SeenRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > deadline) throw new Error(`fake upstream ${this.name}: ${this.requests.length}/${n} requests`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.requests;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | null = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      headers: req.headers,
      body,
      raw,
      behavior: { kind: 'hang' },
      aborted: false,
      finished: false,
    };
    const next = this.queue.shift();
    seen.behavior = next ?? (typeof this.fallback === 'function' ? this.fallback(seen) : this.fallback);
    this.requests.push(seen);
    for (const w of this.waiters.splice(0)) w();
    res.on('close', () => {
      if (!res.writableFinished) seen.aborted = true;
    });
    res.on('finish', () => (seen.finished = true));
    if (seen.method === 'GET' && seen.path === '/v1/models') {
      return this.json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
    }
    await this.play(seen, res);
  }

  private json(res: ServerResponse, status: number, obj: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private usageOf(b: { promptTokens?: number; cachedTokens?: number }, completion: number): Record<string, unknown> {
    const prompt = b.promptTokens ?? DEFAULT_PROMPT_TOKENS;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(b.cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: b.cachedTokens } } : {}),
    };
  }

  private async play(seen: SeenRequest, res: ServerResponse): Promise<void> {
    const b = seen.behavior;
    const model = typeof seen.body?.model === 'string' ? seen.body.model : 'fake-model';
    switch (b.kind) {
      case 'destroy':
        res.socket?.destroy();
        return;
      case 'hang':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        return;
      case 'status':
        return this.json(res, b.status, b.body ?? { error: { message: `fake ${b.status}`, type: 'fake_error' } }, b.retryAfter ? { 'retry-after': String(b.retryAfter) } : {});
      case 'garbage': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const l of b.lines ?? ['data: {not json', 'data: ]]]', ': comment', 'event: weird\ndata: 12x']) res.write(`${l}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      case 'json': {
        if (seen.path.endsWith('/embeddings')) {
          return this.json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }], model, usage: { prompt_tokens: b.promptTokens ?? DEFAULT_PROMPT_TOKENS, total_tokens: b.promptTokens ?? DEFAULT_PROMPT_TOKENS } });
        }
        const content = (b.content ?? 'Hello world!') + 'x'.repeat(b.padBytes ?? 0);
        const completion = 3;
        return this.json(res, 200, {
          id: 'cmpl-fake',
          object: 'chat.completion',
          created: 0,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          ...(b.usage === false ? {} : { usage: this.usageOf(b, completion) }),
        });
      }
      case 'stream': {
        if (seen.body?.stream !== true) return this.play({ ...seen, behavior: { kind: 'json', promptTokens: b.promptTokens, usage: b.usage !== false } }, res);
        const tokens = b.tokens ?? DEFAULT_TOKENS;
        const so = seen.body?.stream_options as { include_usage?: boolean } | undefined;
        const sendUsage = b.usage === true || ((b.usage ?? 'auto') === 'auto' && so?.include_usage === true);
        const completions = seen.path.endsWith('/completions') && !seen.path.endsWith('/chat/completions');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        await sleep(b.firstTokenDelayMs ?? 0);
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
          `data: ${JSON.stringify({ id: 'chunk-fake', object: completions ? 'text_completion' : 'chat.completion.chunk', created: 0, model, choices, ...extra })}\n\n`;
        const pieces = b.toolCall ? [b.toolCall.arguments.slice(0, Math.ceil(b.toolCall.arguments.length / 2)), b.toolCall.arguments.slice(Math.ceil(b.toolCall.arguments.length / 2))] : tokens;
        let firstAt = 0;
        for (const [i, t] of pieces.entries()) {
          if (i === 0) firstAt = performance.now();
          if (res.destroyed) return;
          if (b.disconnectAfter !== undefined && i >= b.disconnectAfter) {
            res.socket?.destroy();
            return;
          }
          if (b.stallAfter !== undefined && i >= b.stallAfter) return;
          const delta = b.toolCall
            ? { tool_calls: [{ index: 0, ...(i === 0 ? { id: 'call_1', type: 'function' } : {}), function: { ...(i === 0 ? { name: b.toolCall.name } : {}), arguments: t } }] }
            : { content: t };
          const ok = res.write(chunk([completions ? { index: 0, text: t, finish_reason: null } : { index: 0, delta, finish_reason: null }]));
          if (!ok) await new Promise((r) => res.once('drain', r));
          if (b.tokenDelayMs && (i + 1) % (b.burst ?? 1) === 0) await sleep(b.tokenDelayMs);
        }
        res.write(chunk([completions ? { index: 0, text: '', finish_reason: 'stop' } : { index: 0, delta: {}, finish_reason: b.toolCall ? 'tool_calls' : 'stop' }]));
        if (b.timing) res.write(`: upstream_ms=${(performance.now() - firstAt).toFixed(3)}\n\n`);
        if (sendUsage) res.write(chunk([], { usage: this.usageOf(b, pieces.length) }));
        res.end('data: [DONE]\n\n');
        return;
      }
    }
  }
}
