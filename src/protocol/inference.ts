import { z } from 'zod';

// A provider as shown to clients: where it is and whether a key is there — never the key or header values.
export const providerInfoSchema = z.object({
  name: z.string(),
  base_url: z.string(),
  models: z.array(z.string()),
  default: z.boolean(),
  key_source: z.string().nullable(),
  key_present: z.boolean(),
  timeout_ms: z.number(),
  header_names: z.array(z.string()),
  include_usage: z.boolean(),
});
export type ProviderInfo = z.infer<typeof providerInfoSchema>;

export const providerAddParamsSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'letters, digits, "-", "_" or "." (max 63)'),
  base_url: z.url(),
  key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  key_file: z.string().optional(),
  models: z.array(z.string().min(1)).default([]),
  timeout: z.string().optional(),
  replace: z.boolean().default(false),
});

export const providerTestResultSchema = z.object({
  ok: z.boolean(),
  provider: z.string(),
  model: z.string(),
  status: z.number().nullable(),
  latency_ms: z.number(),
  reply: z.string().nullable(),
  error: z.string().nullable(),
});

export const usageRowSchema = z.object({
  key: z.string(),
  calls: z.number(),
  tokens_in: z.number(),
  tokens_out: z.number(),
  cached_tokens: z.number(),
  cost: z.number(),
  estimated: z.boolean(),
  errors: z.number(),
  refused: z.number(),
});

export const budgetViewSchema = z.object({
  daily_cost: z.number().nullable(),
  daily_tokens: z.number().nullable(),
  session_cost: z.number().nullable(),
  session_tokens: z.number().nullable(),
  warn_at: z.number(),
  state: z.enum(['ok', 'warn', 'blocked']),
  used_fraction: z.number().nullable(),
  reason: z.string().nullable(),
});

export const usageQueryResultSchema = z.object({
  since: z.string().nullable(),
  by: z.enum(['model', 'day', 'provider', 'rule']),
  rows: z.array(usageRowSchema),
  total: usageRowSchema,
  budget: budgetViewSchema,
});

const cap = z.number().min(0).nullable().optional();

// Socket methods of the inference router (provider.*, usage.query, budget.set).
export const inferenceMethods = {
  'provider.list': {
    params: z.strictObject({}).optional(),
    result: z.object({ default_provider: z.string(), providers: z.array(providerInfoSchema) }),
  },
  'provider.add': { params: providerAddParamsSchema, result: providerInfoSchema },
  'provider.use': { params: z.strictObject({ name: z.string() }), result: z.object({ default_provider: z.string() }) },
  'provider.remove': { params: z.strictObject({ name: z.string() }), result: z.object({ removed: z.string() }) },
  'provider.test': { params: z.strictObject({ name: z.string(), model: z.string().optional() }), result: providerTestResultSchema },
  'usage.query': {
    params: z.strictObject({ since: z.string().optional(), by: z.enum(['model', 'day', 'provider', 'rule']).default('model') }).optional(),
    result: usageQueryResultSchema,
  },
  'budget.set': {
    params: z.strictObject({ daily_cost: cap, daily_tokens: cap, session_cost: cap, session_tokens: cap, warn_at: z.number().min(0).max(1).optional() }),
    result: budgetViewSchema,
  },
} as const;
