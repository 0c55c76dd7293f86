// OpenClaw's config inside the sandbox (mounted read-only; OPENCLAW_CONFIG_READONLY=1).
// The chat engineer may extend it (e.g. gateway.http endpoints); keep every value free of secrets:
// the gateway token travels in OPENCLAW_GATEWAY_TOKEN, and the provider key never enters the sandbox.

export const GATEWAY_PORT = 18789;
// inference.local resolves to 127.0.0.1 in the container, where the relay forwards port 80 to inference.sock.
export const INFERENCE_PORT = 80;
export const INFERENCE_BASE_URL = 'http://inference.local/v1';
export const DEFAULT_MODEL = 'nvidia/nemotron-3-super-120b-a12b';
export const DUMMY_API_KEY = 'clawdeck-no-key-here';

// clawdeck's agent.exec_approvals, as far as OpenClaw's config carries it (the timeout is clawdeck's own).
export interface ExecApprovalsOptions {
  mode: 'ask' | 'off' | 'allowlist' | 'deny';
  ask: 'on-miss' | 'always';
}

// OpenClaw's tools.exec policy keys (docs/tools/exec-approvals.md): mode "ask" = allowlist + ask on a miss;
// ask "always" has no mode equivalent, so it keeps the legacy security/ask pair (and no mode, or OpenClaw rejects it).
export const execPolicyFor = (o: ExecApprovalsOptions): Record<string, string> => {
  if (o.mode === 'ask') return o.ask === 'always' ? { security: 'allowlist', ask: 'always' } : { mode: 'ask' };
  return { mode: o.mode === 'off' ? 'full' : o.mode };
};

export interface OpenClawConfigOptions {
  // Default: ask on an allowlist miss (clawdeck denies it when nobody answers within agent.exec_approvals.timeout).
  execApprovals?: ExecApprovalsOptions;
  model?: string;
  contextWindow?: number;
  maxTokens?: number;
}

// The gateway on loopback with token auth, one provider "inference" pointing at the daemon's router.
export const buildOpenClawConfig = (o: OpenClawConfigOptions = {}): Record<string, unknown> => {
  const model = o.model ?? DEFAULT_MODEL;
  return {
    gateway: {
      mode: 'local',
      bind: 'loopback',
      port: GATEWAY_PORT,
      auth: { mode: 'token' },
      http: { endpoints: { chatCompletions: { enabled: true } } },
      // clawdeck is the UI; OpenClaw's browser Control UI is never used, and serving it costs every start
      // (the first one unpacks ~1,500 asset files into the state dir, later ones hash them all again).
      controlUi: { enabled: false },
    },
    models: {
      providers: {
        inference: {
          baseUrl: INFERENCE_BASE_URL,
          // inference.local is the container's own loopback (the relay); OpenClaw's SSRF guard blocks model calls
          // to it ("resolves to private/internal/special-use IP") unless this opts in. Nothing else is reachable.
          request: { allowPrivateNetwork: true },
          api: 'openai-completions',
          apiKey: DUMMY_API_KEY,
          models: [
            {
              id: model,
              name: model,
              contextWindow: o.contextWindow ?? 131072,
              maxTokens: o.maxTokens ?? 8192,
              input: ['text'],
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: `inference/${model}` } } },
    // web_fetch through clawdeck's egress proxy (HTTP_PROXY): the proxy resolves names (policy, hosts file, hold
    // queue); without this OpenClaw resolves locally and fails, since the sandbox has no DNS.
    // exec approvals: the daemon's gateway client (cap exec-approvals) puts each ask in clawdeck's approval queue.
    tools: {
      web: { fetch: { useTrustedEnvProxy: true } },
      exec: execPolicyFor(o.execApprovals ?? { mode: 'ask', ask: 'on-miss' }),
    },
  };
};
