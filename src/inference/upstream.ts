import { Agent, request, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../config/schema.js';
import { readProviderKey } from '../config/provider-key.js';

// The upstream connection pool: keep-alive so a call does not pay a TCP/TLS handshake each time.
export const createUpstreamAgent = (): Agent =>
  new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

export type Endpoint = 'chat/completions' | 'completions' | 'embeddings';

export interface UpstreamCall {
  provider: ProviderConfig;
  endpoint: Endpoint;
  body: string;
  signal: AbortSignal;
  stallMs: number;
  dispatcher: Dispatcher;
  env: NodeJS.ProcessEnv;
}

// The provider URL for an endpoint: base_url already names the API root (…/v1).
export const upstreamUrl = (p: ProviderConfig, endpoint: Endpoint): string => `${p.base_url.replace(/\/+$/, '')}/${endpoint}`;

// Sends one request to a provider with its key; the client's own headers never travel upstream.
export const sendUpstream = (c: UpstreamCall): Promise<Dispatcher.ResponseData> => {
  const key = readProviderKey(c.provider, c.env);
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
    dispatcher: c.dispatcher,
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
