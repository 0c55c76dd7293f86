import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync } from 'node:fs';
import { LineReader } from '../protocol/line-reader.js';
import { requestSchema } from '../protocol/wire.js';
import { isMethodName, methods, type MethodName, type ParamsOf, type ResultOf } from '../protocol/methods.js';
import { ClawdeckError, toErrorPayload, type ErrorPayload } from '../protocol/errors.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

// A connected TUI or CLI.
export interface Client {
  readonly id: number;
  name: string;
  send(event: string, data: unknown): void;
  readonly subscribed: boolean;
  subscribe(): void;
  onClose(fn: () => void): void;
}

export type Handler<M extends MethodName> = (params: ParamsOf<M>, client: Client) => Promise<ResultOf<M>> | ResultOf<M>;

// Past this much unsent output a client is slow: further events to it are dropped (snapshots are whole,
// so the next one catches it up) instead of growing memory or stalling other clients.
const MAX_BUFFERED = 4 << 20;

// The control socket: NDJSON requests validated by the method table, responses, and pushed events.
export class SocketServer {
  private readonly server: Server;
  private readonly handlers = new Map<string, Handler<MethodName>>();
  private readonly clients = new Set<Client>();
  private nextId = 1;

  constructor(private readonly onError: (msg: string, err: unknown) => void) {
    this.server = createServer((s) => this.accept(s));
  }

  handle<M extends MethodName>(method: M, fn: Handler<M>): void {
    this.handlers.set(method, fn as unknown as Handler<MethodName>);
  }

  // Sends an event to every subscribed client.
  broadcast(event: string, data: unknown): void {
    for (const c of this.clients) if (c.subscribed) c.send(event, data);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      // umask-independent: the socket is created then restricted before anyone is told it exists.
      this.server.listen(path, () => {
        chmodSync(path, 0o600);
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) (c as unknown as { destroy(): void }).destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(sock: Socket): void {
    const closers: (() => void)[] = [];
    let greeted = false;
    let subscribed = false;
    const write = (obj: unknown): void => {
      if (sock.destroyed) return;
      sock.write(JSON.stringify(obj) + '\n');
    };
    const client: Client & { destroy(): void } = {
      id: this.nextId++,
      name: 'unknown',
      get subscribed() {
        return subscribed;
      },
      subscribe: () => {
        subscribed = true;
      },
      send: (event, data) => {
        if (sock.writableLength > MAX_BUFFERED) return;
        write({ event, data });
      },
      onClose: (fn) => closers.push(fn),
      destroy: () => sock.destroy(),
    };
    this.clients.add(client);
    const fail = (id: number | null, error: ErrorPayload): void => write({ id, ok: false, error });

    const reader = new LineReader(
      (line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          return fail(null, { code: 'BAD_JSON', message: 'message is not valid JSON', kind: 'user' });
        }
        const req = requestSchema.safeParse(raw);
        if (!req.success) {
          const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
          return fail(id, { code: 'BAD_REQUEST', message: `malformed request: ${req.error.issues[0]?.message}`, kind: 'user' });
        }
        const { id, method, params } = req.data;
        if (!isMethodName(method)) {
          return fail(id, { code: 'UNKNOWN_METHOD', message: `unknown method "${method}"`, kind: 'user' });
        }
        if (!greeted && method !== 'hello') {
          return fail(id, { code: 'HANDSHAKE_REQUIRED', message: 'send "hello" first', kind: 'user' });
        }
        const p = methods[method].params.safeParse(params);
        if (!p.success) {
          const i = p.error.issues[0];
          return fail(id, { code: 'BAD_PARAMS', message: `${method}: ${i?.path.join('.') || 'params'}: ${i?.message}`, kind: 'user' });
        }
        if (method === 'hello') {
          const hp = p.data as ParamsOf<'hello'>;
          if (hp.version !== PROTOCOL_VERSION) {
            return fail(id, {
              code: 'PROTOCOL_MISMATCH',
              message: `client speaks protocol ${hp.version}, daemon speaks ${PROTOCOL_VERSION}`,
              hint: 'Restart the daemon with the same clawdeck version: clawdeck down && clawdeck up',
              kind: 'user',
            });
          }
          greeted = true;
          client.name = hp.client.name;
        }
        const handler = this.handlers.get(method);
        if (!handler) {
          return fail(id, { code: 'UNAVAILABLE', message: `"${method}" is not available in this daemon`, kind: 'user' });
        }
        Promise.resolve()
          .then(() => handler(p.data as never, client))
          .then(
            (result) => write({ id, ok: true, result }),
            (err: unknown) => {
              if (!(err instanceof ClawdeckError)) this.onError(`handler ${method} failed`, err);
              fail(id, toErrorPayload(err));
            },
          );
      },
      () => fail(null, { code: 'TOO_LARGE', message: 'message exceeds the 1 MiB line limit and was discarded', kind: 'user' }),
    );
    sock.on('data', (chunk: Buffer) => reader.push(chunk));
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.clients.delete(client);
      for (const fn of closers) fn();
    });
  }
}
