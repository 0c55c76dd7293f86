import { z } from 'zod';
import { durationSchema } from './duration.js';

// "host:port" listen address; port 0 picks a free port.
export const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be "host:port", e.g. 127.0.0.1:3128');

export const providerSchema = z.strictObject({
  base_url: z.url(),
  key_env: z.string().optional(),
  key_file: z.string().optional(),
  models: z.array(z.string()).default([]),
  timeout: durationSchema.default(600_000),
  headers: z.record(z.string(), z.string()).default({}),
  include_usage: z.boolean().default(true),
  // Dollars per million tokens, per model id (a model not listed here costs 0).
  prices: z.record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) })).default({}),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

export const defaultProviders = {
  nvidia: {
    base_url: 'https://integrate.api.nvidia.com/v1',
    key_env: 'NVIDIA_API_KEY',
    models: ['nvidia/nemotron-3-super-120b-a12b'],
    timeout: 600_000,
    headers: {},
    include_usage: true,
    prices: {},
  },
} satisfies Record<string, ProviderConfig>;

const proxySchema = z.strictObject({
  listen: listenSchema.default('127.0.0.1:3128'),
  hold_timeout: durationSchema.default(120_000),
  header_timeout: durationSchema.default(10_000),
  max_header_bytes: z.number().int().min(1024).max(1 << 20).default(32 * 1024),
  idle_timeout: durationSchema.default(600_000),
  // L7: unknown hosts are TLS-inspected and each request is asked with its method and path (instead of host:port).
  inspect_unknown: z.boolean().default(false),
  // L7: hosts (exact or *.domain) never TLS-inspected, e.g. certificate-pinning clients: always a plain tunnel.
  inspect_passthrough: z.array(z.string().min(1)).default([]),
});

// A routing rule: every condition given must hold; the first rule that matches picks provider+model.
export const routeSchema = z.strictObject({
  name: z.string().min(1),
  match: z
    .strictObject({
      model: z.union([z.string(), z.array(z.string())]).optional(),
      tools: z.boolean().optional(),
      prompt_tokens_over: z.number().int().min(0).optional(),
      prompt_tokens_under: z.number().int().min(0).optional(),
      max_tokens_over: z.number().int().min(0).optional(),
      max_tokens_under: z.number().int().min(0).optional(),
      last_user: z.string().optional(),
      system: z.string().optional(),
      hours: z.string().regex(/^\d{1,2}-\d{1,2}$/, 'must be "H-H" (local hours, e.g. 22-6)').optional(),
    })
    .default({}),
  provider: z.string(),
  model: z.string().optional(),
  fallback: z.array(z.string()).optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

// Caps on spend and tokens; null = no cap. warn_at is the used fraction that raises the warning.
export const budgetSchema = z.strictObject({
  daily_cost: z.number().min(0).nullable().default(null),
  daily_tokens: z.number().int().min(0).nullable().default(null),
  session_cost: z.number().min(0).nullable().default(null),
  session_tokens: z.number().int().min(0).nullable().default(null),
  warn_at: z.number().min(0).max(1).default(0.8),
});
export type BudgetConfig = z.infer<typeof budgetSchema>;

const inferenceSchema = z.strictObject({
  listen: listenSchema.default('127.0.0.1:0'),
  default_provider: z.string().default('nvidia'),
  providers: z.record(z.string(), providerSchema).default(defaultProviders),
  // Model names the agent may ask for, mapped to a provider (and model there).
  aliases: z.record(z.string(), z.strictObject({ provider: z.string(), model: z.string().optional() })).default({}),
  routes: z.array(routeSchema).default([]),
  // Providers tried in order after the chosen one fails before streaming (connect error, 429, 5xx).
  fallback: z.array(z.string()).default([]),
  fallback_backoff: durationSchema.default(250),
  // Longest silence allowed between upstream body chunks (and before the first one).
  stall_timeout: durationSchema.default(120_000),
  budget: budgetSchema.default(budgetSchema.parse({})),
});

const sandboxSchema = z.strictObject({
  blueprint: z.string().optional(),
  extra_ca_file: z.string().optional(),
  base_image: z.string().optional(),
});

// The chat bridge: by default the sandbox's gateway (relay socket); gateway_url/gateway_socket point it at
// an external OpenClaw gateway instead (tests, --no-sandbox setups).
// OpenClaw exec approvals in the sandbox (tools.exec in its config): ask = allowlist + a person decides misses
// (on-miss) or every command (always) in clawdeck's queue; a request nobody answers within `timeout` is denied.
// off = no prompts (commands run inside the sandbox; egress is still policed); allowlist/deny = never ask.
export const execApprovalsSchema = z.strictObject({
  mode: z.enum(['ask', 'off', 'allowlist', 'deny']).default('ask'),
  ask: z.enum(['on-miss', 'always']).default('on-miss'),
  timeout: durationSchema.default(120_000),
});

const agentSchema = z.strictObject({
  exec_approvals: execApprovalsSchema.default(execApprovalsSchema.parse({})),
  gateway_url: z.string().regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL').optional(),
  gateway_socket: z.string().optional(),
  // File holding the gateway token (default: the sandbox's, see src/agent/target.ts); or an env var name.
  token_file: z.string().optional(),
  token_env: z.string().optional(),
  session: z.string().min(1).default('main'),
});

const uiSchema = z.strictObject({
  bell: z.boolean().default(true),
  tmux_message: z.boolean().default(true),
});

// config.yaml: every section optional, unknown keys are errors.
export const configSchema = z.strictObject({
  proxy: proxySchema.default(proxySchema.parse({})),
  inference: inferenceSchema.default(inferenceSchema.parse({})),
  sandbox: sandboxSchema.default({}),
  ui: uiSchema.default(uiSchema.parse({})),
  agent: agentSchema.default(agentSchema.parse({})),
});
export type Config = z.infer<typeof configSchema>;
