import type { Dispatcher } from 'undici';
import type { ProviderConfig } from '../config/schema.js';
import { readProviderKey } from '../config/provider-key.js';

type Undici = typeof import('undici');
let undici: Undici | undefined;
let loading: Promise<Undici> | undefined;
const loadUndici = (): Promise<Undici> => (loading ??= import('undici').then((m) => (undici = m)));

// The upstream connection pool (keep-alive, so a call does not pay a TCP/TLS handshake each time), created on
// first use: undici is ~5 MB of heap that a daemon nobody routes through would carry into every major GC.
export interface UpstreamPool {
  // The pool; loads undici on the first call.
  get(): Promise<Dispatcher>;
  // Starts loading in the background so the first request does not wait for the module (errors surface in get()).
  warm(): void;
  destroy(): Promise<void>;
}

export const createUpstreamPool = (): UpstreamPool => {
  let agent: Promise<Dispatcher> | undefined;
  let destroyed = false;
  const get = (): Promise<Dispatcher> =>
    (agent ??= loadUndici().then((u) => new u.Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 })));
  return {
    get: () => (destroyed ? Promise.reject(new Error('the inference router is stopping')) : get()),
    warm: () => void get().catch(() => undefined),
    destroy: async () => {
      destroyed = true;
      if (agent) await (await agent).destroy();
    },
  };
};

export type Endpoint = 'chat/completions' | 'completions' | 'embeddings';

export interface UpstreamCall {
  provider: ProviderConfig;
  endpoint: Endpoint;
  body: string;
  signal: AbortSignal;
  stallMs: number;
  dispatcher: UpstreamPool;
  env: NodeJS.ProcessEnv;
}

// The provider URL for an endpoint: base_url already names the API root (…/v1).
export const upstreamUrl = (p: ProviderConfig, endpoint: Endpoint): string => `${p.base_url.replace(/\/+$/, '')}/${endpoint}`;

// Sends one request to a provider with its key; the client's own headers never travel upstream.
export const sendUpstream = async (c: UpstreamCall): Promise<Dispatcher.ResponseData> => {
  const key = readProviderKey(c.provider, c.env);
  const dispatcher = await c.dispatcher.get();
  const { request } = undici ?? (await loadUndici());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...c.provider.headers,
  };
  if (key) headers.authorization = `Bearer ${key}`;
  return request(upstreamUrl(c.provider, c.endpoint), {
    method: 'POST',
    headers,
    body: c.body,
    signal: c.signal,
    dispatcher,
    headersTimeout: c.provider.timeout,
    bodyTimeout: c.stallMs,
  });
};

// Replaces every known key in text that leaves the daemon (logs, error bodies) with a marker.
export const scrubKeys = (text: string, keys: string[]): string => {
  let out = text;
  for (const k of keys) if (k.length >= 4) out = out.split(k).join('[redacted]');
  return out;
};
