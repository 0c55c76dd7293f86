import { connect, type Socket } from 'node:net';
import { LineReader } from '../protocol/line-reader.js';
import { serverLineSchema } from '../protocol/wire.js';
import { ClawdeckError } from '../protocol/errors.js';
import { methods, type MethodName, type ParamsOf, type ResultOf } from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

type Pending = { method: MethodName; resolve: (v: unknown) => void; reject: (e: unknown) => void };

// Raised when nothing answers on the socket; the CLI turns it into "daemon not running, run clawdeck up".
export const daemonNotRunning = (socket: string, cause?: unknown): ClawdeckError =>
  new ClawdeckError('DAEMON_NOT_RUNNING', `no clawdeck daemon answers on ${socket}`, {
    hint: 'Start it with: clawdeck up   (or clawdeck up --no-sandbox for the proxy and router only)',
    cause,
  });

// A typed connection to the daemon: handshake, request/response by id, pushed events.
export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventHandlers = new Set<(event: string, data: unknown) => void>();
  private readonly closeHandlers = new Set<(err?: Error) => void>();

  private constructor(private readonly sock: Socket) {
    const reader = new LineReader(
      (line) => this.receive(line),
      () => this.fail(new ClawdeckError('TOO_LARGE', 'daemon sent an oversized message', { kind: 'bug' })),
      64 << 20,
    );
    sock.on('data', (c: Buffer) => reader.push(c));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new ClawdeckError('DAEMON_GONE', 'the daemon closed the connection')));
  }

  // Connects and performs the version handshake.
  static async connect(socket: string, name: string): Promise<DaemonClient> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(socket);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', (e) => reject(daemonNotRunning(socket, e)));
    });
    const client = new DaemonClient(sock);
    await client.request('hello', { version: PROTOCOL_VERSION, client: { name, pid: process.pid } });
    return client;
  }

  request<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.sock.destroyed) return Promise.reject(new ClawdeckError('DAEMON_GONE', 'the daemon connection is closed'));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify({ id, method, ...(params === undefined ? {} : { params }) }) + '\n');
    });
  }

  onEvent(fn: (event: string, data: unknown) => void): () => void {
    this.eventHandlers.add(fn);
    return () => this.eventHandlers.delete(fn);
  }

  onClose(fn: (err?: Error) => void): void {
    this.closeHandlers.add(fn);
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }

  private receive(line: string): void {
    let parsed;
    try {
      parsed = serverLineSchema.safeParse(JSON.parse(line));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if ('event' in msg) {
      for (const fn of this.eventHandlers) fn(msg.event, msg.data);
      return;
    }
    const p = msg.id === null ? undefined : this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.ok) {
      const r = methods[p.method].result.safeParse(msg.result);
      if (r.success) p.resolve(r.data);
      else p.reject(new ClawdeckError('BAD_RESPONSE', `daemon sent a malformed ${p.method} result`, { kind: 'bug' }));
    } else {
      p.reject(ClawdeckError.fromPayload(msg.error));
    }
  }

  private fail(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const fn of this.closeHandlers) fn(err);
    this.closeHandlers.clear();
  }
}
