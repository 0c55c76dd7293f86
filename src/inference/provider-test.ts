import type { ProviderConfig } from '../config/schema.js';
import { readProviderKey } from '../config/provider-key.js';
import { sendUpstream, scrubKeys, type UpstreamPool } from './upstream.js';
import type { InferenceMeter } from './meter.js';

export interface ProviderTestResult {
  ok: boolean;
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  reply: string | null;
  error: string | null;
}

// A real, tiny, non-streamed chat completion against one provider (metered like any call, rule "provider-test").
export const testProvider = async (
  name: string,
  provider: ProviderConfig,
  model: string,
  o: { dispatcher: UpstreamPool; env: NodeJS.ProcessEnv; meter: InferenceMeter; timeoutMs?: number },
): Promise<ProviderTestResult> => {
  const key = readProviderKey(provider, o.env);
  const scrub = (s: string): string => scrubKeys(s, key ? [key] : []);
  const prompt = 'Reply with the single word OK.';
  const call = o.meter.begin('chat/completions', name, model, 'provider-test', () => prompt);
  const t0 = performance.now();
  const signal = AbortSignal.timeout(o.timeoutMs ?? Math.min(provider.timeout, 60_000));
  try {
    const up = await sendUpstream({
      provider,
      endpoint: 'chat/completions',
      body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 16, stream: false }),
      signal,
      stallMs: 60_000,
      dispatcher: o.dispatcher,
      env: o.env,
    });
    const text = await up.body.text();
    const latency_ms = performance.now() - t0;
    let reply: string | null = null;
    try {
      const obj = JSON.parse(text) as { choices?: { message?: { content?: string } }[]; usage?: Record<string, number> };
      reply = obj.choices?.[0]?.message?.content ?? null;
      if (obj.usage) call.onUsage(obj.usage);
      else call.onDelta(reply ?? '');
    } catch {
      // not JSON: shown as an error below
    }
    const ok = up.statusCode === 200 && reply !== null;
    call.finish(ok ? 'done' : 'error', up.statusCode);
    return {
      ok,
      provider: name,
      model,
      status: up.statusCode,
      latency_ms,
      reply: reply === null ? null : scrub(reply).slice(0, 200),
      error: ok ? null : scrub(`HTTP ${up.statusCode}: ${text.slice(0, 300)}`),
    };
  } catch (e) {
    const err = e as { code?: string; message?: string; cause?: { code?: string } };
    const msg = scrub([err.code, err.message, err.cause?.code].filter(Boolean).join(': '));
    call.finish('error', null, msg);
    return { ok: false, provider: name, model, status: null, latency_ms: performance.now() - t0, reply: null, error: msg };
  }
};
