import { randomUUID } from 'node:crypto';
import { GatewayProtocolClient, type EventFrame, type HelloOk } from '@openclaw/gateway-client/browser';
import { PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version';
import { describeTarget, openGatewaySocket, type GatewayTarget } from './transport.js';

// Scopes the daemon asks for: chat (read/write), exec approvals (issue 10), admin for approval allowlists.
export const OPERATOR_SCOPES = ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin'];

// Where the connection is; 'disconnected' means retrying with backoff.
export type GatewayPhase = 'connecting' | 'connected' | 'disconnected' | 'stopped';

// What the service shows about the connection (chat.connected, notices, logs).
export interface GatewayState {
  phase: GatewayPhase;
  // Last connect/close failure in OpenClaw's own words (null once connected).
  error: string | null;
  server: string | null;
  scopes: string[];
}

// The transport, credentials and callbacks of one gateway connection.
export interface GatewayClientOptions {
  target: GatewayTarget;
  // Read at every connect so a regenerated sandbox token is picked up without a daemon restart.
  token: () => string | null | Promise<string | null>;
  version: string;
  scopes?: string[];
  // Advertise the `exec-approvals` client cap: OpenClaw then routes exec approval prompts to this connection
  // (exec.approval.requested) and waits for exec.approval.resolve; without it a run that needs approval is
  // denied as headless ("Headless runs cannot wait for interactive exec approval"). Issue 10 turns this on.
  execApprovals?: boolean;
  reconnect?: { initialMs: number; maxMs: number };
  requestTimeoutMs?: number;
  onState?: (s: GatewayState) => void;
  // Every event frame except tick/health noise; fired after named listeners.
  onEvent?: (event: string, payload: unknown) => void;
  // Fired after each (re)connect's hello-ok: resubscribe and resume history here.
  onConnected?: (hello: HelloOk) => void;
}

type Listener = (payload: unknown) => void;

// The daemon's one connection to the OpenClaw gateway. The protocol state machine (challenge, connect,
// request correlation, timeouts, reconnect backoff) is OpenClaw's own GatewayProtocolClient; this class
// owns the transport (Unix socket or ws://), the backend identity, and event fan-out.
export class GatewayClient {
  private readonly proto: GatewayProtocolClient<{ token: string | null }>;
  private readonly listeners = new Map<string, Set<Listener>>();
  private state: GatewayState = { phase: 'stopped', error: null, server: null, scopes: [] };
  private stopped = true;

  constructor(private readonly opts: GatewayClientOptions) {
    const scopes = opts.scopes ?? OPERATOR_SCOPES;
    this.proto = new GatewayProtocolClient<{ token: string | null }>({
      createSocket: (h) => openGatewaySocket(opts.target, h),
      createRequestId: randomUUID,
      buildConnectPlan: async () => ({ token: await opts.token() }),
      buildConnectParams: (plan) => ({
        minProtocol: PROTOCOL_VERSION,
        maxProtocol: PROTOCOL_VERSION,
        client: { id: 'gateway-client', mode: 'backend', version: opts.version, platform: process.platform, displayName: 'clawdeck' },
        role: 'operator',
        scopes,
        caps: opts.execApprovals ? ['tool-events', 'exec-approvals'] : ['tool-events'],
        ...(plan.token ? { auth: { token: plan.token } } : {}),
        userAgent: `clawdeck/${opts.version}`,
      }),
      onConnectFailure: (error) => {
        this.setState({ phase: 'disconnected', error: error.message });
        return { closeCode: 1008, closeReason: 'connect failed' };
      },
      onHello: (hello) => {
        this.setState({ phase: 'connected', error: null, server: hello.server.version, scopes: hello.auth?.scopes ?? [] });
        this.opts.onConnected?.(hello);
        for (const fn of [...this.connectHooks]) fn(hello);
      },
      onConnectError: (error) => this.setState({ phase: 'disconnected', error: error.message }),
      resolveClose: (ctx) => {
        if (this.stopped) return { retry: false, notify: false };
        const why = ctx.connectFailure?.error.message ?? (ctx.socketOpened ? `closed (${ctx.code}${ctx.reason ? `: ${ctx.reason}` : ''})` : null);
        this.setState({ phase: 'disconnected', error: why ?? this.state.error ?? `cannot reach ${describeTarget(opts.target)}` });
        return { retry: true, notify: true };
      },
      onEvent: (frame: EventFrame) => this.dispatch(frame),
      handshake: { mode: 'require-challenge', timeoutMs: 15_000 },
      reconnect: { initialMs: opts.reconnect?.initialMs ?? 250, multiplier: 2, maxMs: opts.reconnect?.maxMs ?? 5_000 },
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    });
  }

  get connected(): boolean {
    return this.state.phase === 'connected';
  }

  get status(): GatewayState {
    return this.state;
  }

  // Connects in the background and keeps reconnecting with backoff until stop().
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setState({ phase: 'connecting' });
    this.proto.start();
  }

  stop(): void {
    this.stopped = true;
    this.proto.stop();
    this.setState({ phase: 'stopped' });
  }

  // Forces a fresh connection (e.g. the sandbox was restarted and the token changed).
  reconnect(): void {
    this.proto.closeSocket(1012, 'reconnect');
  }

  // One RPC; rejects with OpenClaw's error (code/message) or when not connected.
  request<T = unknown>(method: string, params: unknown = {}, timeoutMs?: number): Promise<T> {
    return this.proto.request<T>(method, params, timeoutMs ? { timeoutMs } : undefined);
  }

  // Subscribes to one event name (e.g. 'chat', 'agent', 'exec.approval.requested'); returns the unsubscribe.
  on(event: string, fn: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  // Resolves once connected (or rejects after timeoutMs with the last connect error).
  async waitConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(this.state.error ?? `gateway not connected after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.add(done);
    });
  }

  private readonly waiters = new Set<() => void>();
  private readonly connectHooks = new Set<(hello: HelloOk) => void>();

  // Runs fn after every (re)connect (resubscribe, replay); returns the unsubscribe.
  onConnected(fn: (hello: HelloOk) => void): () => void {
    this.connectHooks.add(fn);
    return () => this.connectHooks.delete(fn);
  }

  private dispatch(frame: EventFrame): void {
    if (frame.event === 'tick' || frame.event === 'health') return;
    for (const fn of this.listeners.get(frame.event) ?? []) fn(frame.payload);
    this.opts.onEvent?.(frame.event, frame.payload);
  }

  private setState(patch: Partial<GatewayState>): void {
    this.state = { ...this.state, ...patch };
    if (this.state.phase === 'connected') {
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w();
    }
    this.opts.onState?.(this.state);
  }
}
