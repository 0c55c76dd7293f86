import { z } from 'zod';
import { statusSchema } from './status.js';
import { approvalItemSchema } from './approvals.js';
import { errorPayloadSchema } from './errors.js';

// The policy pane's view: the live file text and whether it is the one in force.
export const policyViewSchema = z.object({
  file: z.string(),
  text: z.string(),
  valid: z.boolean(),
  errors: z.array(errorPayloadSchema),
  notice: z.string().nullable(),
});

export const meterCallSchema = z.object({
  id: z.string(),
  model: z.string(),
  provider: z.string(),
  rule: z.string().nullable(),
  started_at: z.string(),
  tokens_in: z.number(),
  tokens_out: z.number(),
  cached_tokens: z.number().nullable(),
  estimated: z.boolean(),
  ttft_ms: z.number().nullable(),
  tokens_per_s: z.number().nullable(),
  elapsed_ms: z.number(),
  status: z.enum(['streaming', 'done', 'error', 'cancelled']),
  cost: z.number(),
});

// The inference meter: live calls, totals, budget state, and a short history for a sparkline.
export const meterSchema = z.object({
  active: z.array(meterCallSchema),
  recent: z.array(meterCallSchema),
  totals: z.object({
    session: z.object({ tokens_in: z.number(), tokens_out: z.number(), cost: z.number(), calls: z.number() }),
    today: z.object({ tokens_in: z.number(), tokens_out: z.number(), cost: z.number(), calls: z.number() }),
  }),
  per_model: z.array(
    z.object({ model: z.string(), tokens_in: z.number(), tokens_out: z.number(), cost: z.number(), estimated: z.boolean() }),
  ),
  budget: z.object({
    cost_cap: z.number().nullable(),
    token_cap: z.number().nullable(),
    used_fraction: z.number().nullable(),
    state: z.enum(['ok', 'warn', 'blocked']),
    // Which cap is nearest and a sentence for the banner ("daily budget at 85%: $4.25 of $5.00 (daily_cost)").
    reason: z.string().nullable().optional(),
  }),
  history: z.array(z.number()),
});

export const chatMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'tool', 'status', 'error']),
  text: z.string(),
  at: z.string(),
  streaming: z.boolean(),
});

// The chat pane's view of the current OpenClaw session.
export const chatViewSchema = z.object({
  connected: z.boolean(),
  session: z.string().nullable(),
  sessions: z.array(z.string()),
  running: z.boolean(),
  messages: z.array(chatMessageSchema),
});

export const noticeSchema = z.object({
  id: z.number().int(),
  level: z.enum(['info', 'warn', 'error']),
  text: z.string(),
  at: z.string(),
});

// Everything a TUI renders; pushed whole (throttled) so any client can draw from any single snapshot.
export const snapshotSchema = z.object({
  seq: z.number().int(),
  status: statusSchema,
  approvals: z.array(approvalItemSchema),
  policy: policyViewSchema,
  meter: meterSchema,
  chat: chatViewSchema,
  notices: z.array(noticeSchema),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
export type Meter = z.infer<typeof meterSchema>;
export type ChatView = z.infer<typeof chatViewSchema>;
export type PolicyView = z.infer<typeof policyViewSchema>;
export type Notice = z.infer<typeof noticeSchema>;
