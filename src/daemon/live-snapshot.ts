import { DaemonClient } from './client.js';
import { snapshotSchema, type Snapshot } from '../protocol/snapshot.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { MethodName, ParamsOf, ResultOf } from '../protocol/methods.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

// What a view needs besides the snapshot: is it live, and if not, why and since when.
export interface Connection {
  state: ConnectionState;
  attempt: number;
  error: string | null;
  since: number;
}

// One immutable value per change, so React's useSyncExternalStore can compare by reference.
export interface LiveView {
  snapshot: Snapshot | null;
  connection: Connection;
}

// The minimal surface the TUI needs: read, subscribe, and send requests. LiveSnapshot implements it.
export interface SnapshotSource {
  getView(): LiveView;
  subscribe(fn: () => void): () => void;
  request<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>>;
}

export interface LiveSnapshotOptions {
  name?: string;
  // Snapshots are passed on at most once per this many ms (the newest wins): a view's render work then
  // follows this rate even when the daemon publishes faster. Connection changes are passed on at once.
  minIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

// A React-free client store for TUIs: keeps the latest daemon snapshot, reconnects with backoff when the
// daemon restarts (keeping the last snapshot on screen, marked stale), and forwards requests.
export class LiveSnapshot implements SnapshotSource {
  private view: LiveView;
  private client: DaemonClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private readonly name: string;
  private readonly minInterval: number;
  private pending: unknown;
  private pendingTimer: NodeJS.Timeout | undefined;
  private lastSnapshotAt = 0;

  constructor(
    private readonly socket: string,
    opts: LiveSnapshotOptions = {},
  ) {
    this.name = opts.name ?? 'tui';
    this.minBackoff = opts.minBackoffMs ?? 100;
    this.maxBackoff = opts.maxBackoffMs ?? 2000;
    this.minInterval = opts.minIntervalMs ?? 0;
    this.view = { snapshot: null, connection: { state: 'connecting', attempt: 0, error: null, since: Date.now() } };
  }

  // Starts connecting in the background; the view says how it goes.
  start(): this {
    void this.connect();
    return this;
  }

  getView = (): LiveView => this.view;

  // Resolves once connected with a snapshot, or after `timeoutMs`: a view can wait for data before its
  // first frame instead of drawing "connecting" and redrawing a moment later.
  whenLive(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const live = (): boolean => this.view.snapshot !== null && this.view.connection.state === 'connected';
      if (live() || this.closed) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const off = this.subscribe(() => {
        if (live() || this.closed) done();
      });
    });
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  request<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    if (!this.client || this.view.connection.state !== 'connected') {
      return Promise.reject(new ClawdeckError('DAEMON_GONE', 'not connected to the daemon', { hint: 'Wait for the reconnect.' }));
    }
    return this.client.request(method, params);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.pendingTimer);
    this.client?.close();
    this.client = undefined;
    this.set({ connection: { ...this.view.connection, state: 'closed' } });
  }

  // Keeps only the newest raw snapshot; it is validated when passed on (superseded ones never are).
  private offer(snap: unknown): void {
    this.pending = snap;
    if (this.pendingTimer) return;
    const wait = Math.max(0, this.lastSnapshotAt + this.minInterval - Date.now());
    const flush = (): void => {
      this.pendingTimer = undefined;
      const raw = this.pending;
      this.pending = undefined;
      if (raw === undefined || this.closed) return;
      const r = snapshotSchema.safeParse(raw);
      if (!r.success) return;
      const shared = this.share(r.data);
      if (!shared) return;
      this.lastSnapshotAt = Date.now();
      this.set({ snapshot: shared });
    };
    if (wait === 0) return flush();
    this.pendingTimer = setTimeout(flush, wait);
  }

  private readonly partJson = new Map<string, string>();

  // Structural sharing: a part that did not change keeps its previous object, so views of unchanged
  // parts (policy while tokens stream, say) can skip re-rendering by identity. The daemon's uptime
  // counter alone is not a change worth a frame (views do not show it); returns null when nothing changed.
  private share(next: Snapshot): Snapshot | null {
    const prev = this.view.snapshot;
    const out: Record<string, unknown> = { ...next };
    let changed = prev === null;
    for (const key of Object.keys(next) as (keyof Snapshot)[]) {
      if (key === 'seq') continue;
      const part = key === 'status' ? { ...next.status, daemon: { ...next.status.daemon, uptime_s: 0 } } : next[key];
      const json = JSON.stringify(part);
      if (prev && this.partJson.get(key) === json) out[key] = prev[key];
      else changed = true;
      this.partJson.set(key, json);
    }
    return changed ? (out as Snapshot) : null;
  }

  private set(part: Partial<LiveView>): void {
    this.view = { ...this.view, ...part };
    for (const fn of this.listeners) fn();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let client: DaemonClient;
    try {
      client = await DaemonClient.connect(this.socket, this.name);
    } catch (e) {
      return this.retry(e);
    }
    if (this.closed) return client.close();
    this.client = client;
    client.onEvent((event, data) => {
      if (event !== 'snapshot') return;
      this.offer(data);
    });
    client.onClose((err) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.retry(err);
    });
    try {
      await client.request('subscribe');
    } catch (e) {
      client.close();
      return;
    }
    this.set({ connection: { state: 'connected', attempt: 0, error: null, since: Date.now() } });
  }

  private retry(err: unknown): void {
    if (this.closed) return;
    const attempt = this.view.connection.attempt + 1;
    const had = this.view.snapshot !== null || this.view.connection.state === 'reconnecting';
    const error = err instanceof Error ? err.message : err ? String(err) : null;
    const since = this.view.connection.state === 'connected' ? Date.now() : this.view.connection.since;
    this.set({ connection: { state: had ? 'reconnecting' : 'connecting', attempt, error, since } });
    const wait = Math.min(this.maxBackoff, this.minBackoff * 2 ** Math.min(attempt - 1, 10));
    this.timer = setTimeout(() => void this.connect(), wait);
    this.timer.unref?.();
  }
}
