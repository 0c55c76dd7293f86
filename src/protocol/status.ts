import { z } from 'zod';
import { errorPayloadSchema } from './errors.js';

export const enforcementStateSchema = z.enum(['proven', 'failed', 'n/a']);

// One protection layer and what a live probe proved about it (never claimed without proof).
export const enforcementSchema = z.object({
  layer: z.string(),
  state: enforcementStateSchema,
  detail: z.string(),
});
export type Enforcement = z.infer<typeof enforcementSchema>;

export const sandboxStateSchema = z.enum(['disabled', 'absent', 'building', 'starting', 'running', 'stopped', 'failed']);

// `clawdeck status --json`: the documented, stable shape (README "Status JSON").
export const statusSchema = z.object({
  daemon: z.object({
    pid: z.number().int(),
    version: z.string(),
    protocol: z.number().int(),
    uptime_s: z.number(),
    started_at: z.string(),
    home: z.string(),
  }),
  sandbox: z.object({
    state: sandboxStateSchema,
    container: z.string().nullable(),
    image: z.string().nullable(),
    image_digest: z.string().nullable(),
    detail: z.string().nullable(),
  }),
  proxy: z.object({ listen: z.string().nullable() }),
  inference: z.object({
    listen: z.string().nullable(),
    default_provider: z.string(),
    providers: z.array(
      z.object({ name: z.string(), base_url: z.string(), models: z.array(z.string()), key_present: z.boolean() }),
    ),
    // The latest finished call and the routing rule that chose its provider+model.
    last_call: z
      .object({ at: z.string(), rule: z.string().nullable(), provider: z.string(), model: z.string(), status: z.string(), estimated: z.boolean() })
      .nullable()
      .optional(),
    budget_state: z.enum(['ok', 'warn', 'blocked']).optional(),
  }),
  policy: z.object({
    file: z.string(),
    valid: z.boolean(),
    last_error: errorPayloadSchema.nullable(),
    loaded_at: z.string().nullable(),
    rules: z.number().int(),
  }),
  enforcement: z.array(enforcementSchema),
  approvals: z.object({ pending: z.number().int() }),
  // The chat bridge's connection to OpenClaw's gateway (absent when the bridge does not run, e.g. --no-sandbox).
  agent: z
    .object({ connected: z.boolean(), gateway: z.string(), server: z.string().nullable(), error: z.string().nullable() })
    .optional(),
});
export type Status = z.infer<typeof statusSchema>;
