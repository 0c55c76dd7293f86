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
  },
} satisfies Record<string, ProviderConfig>;

const proxySchema = z.strictObject({
  listen: listenSchema.default('127.0.0.1:3128'),
  hold_timeout: durationSchema.default(120_000),
  header_timeout: durationSchema.default(10_000),
  max_header_bytes: z.number().int().min(1024).max(1 << 20).default(32 * 1024),
  idle_timeout: durationSchema.default(600_000),
});

const inferenceSchema = z.strictObject({
  listen: listenSchema.default('127.0.0.1:0'),
  default_provider: z.string().default('nvidia'),
  providers: z.record(z.string(), providerSchema).default(defaultProviders),
});

const sandboxSchema = z.strictObject({
  blueprint: z.string().optional(),
  extra_ca_file: z.string().optional(),
  base_image: z.string().optional(),
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
});
export type Config = z.infer<typeof configSchema>;
