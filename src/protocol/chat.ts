import { z } from 'zod';
import { chatMessageSchema } from './snapshot.js';

const sessionKey = z.string().min(1).max(512);

// A tool call the agent made during one run, as the gateway's tool events reported it.
export const chatToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  args: z.unknown(),
  result: z.string().nullable(),
  is_error: z.boolean(),
});

export const chatUsageSchema = z.object({ input: z.number(), output: z.number(), total: z.number() });

// `chat.delta` event: one streamed piece of the assistant's reply (replace: text replaces the reply so far).
export const chatDeltaEventSchema = z.object({ session: z.string(), run_id: z.string(), text: z.string(), replace: z.boolean() });

// `chat.done` event: a run ended (final, error or aborted), with the whole reply, usage and tool calls.
export const chatDoneEventSchema = z.object({
  session: z.string(),
  run_id: z.string(),
  state: z.enum(['final', 'error', 'aborted']),
  reply: z.string(),
  error: z.string().nullable(),
  usage: chatUsageSchema.nullable(),
  tool_calls: z.array(chatToolCallSchema),
});
export type ChatDoneEvent = z.infer<typeof chatDoneEventSchema>;
export type ChatDeltaEvent = z.infer<typeof chatDeltaEventSchema>;

// Socket methods of the chat bridge (src/agent/service.ts).
export const chatMethods = {
  'chat.send': {
    params: z.strictObject({ text: z.string().min(1), session: sessionKey.optional() }),
    result: z.object({ run_id: z.string(), session: z.string() }),
  },
  'chat.abort': {
    params: z.strictObject({ session: sessionKey.optional() }).optional(),
    result: z.object({ aborted: z.boolean() }),
  },
  'chat.sessions': {
    params: z.strictObject({}).optional(),
    result: z.object({
      current: z.string().nullable(),
      sessions: z.array(z.object({ key: z.string(), running: z.boolean(), updated_at: z.string().nullable() })),
    }),
  },
  'chat.switch': { params: z.strictObject({ session: sessionKey }), result: z.object({ session: z.string() }) },
  'chat.new': { params: z.strictObject({ session: sessionKey.optional() }).optional(), result: z.object({ session: z.string() }) },
  'chat.history': {
    params: z.strictObject({ session: sessionKey.optional(), limit: z.number().int().min(1).max(1000).optional() }).optional(),
    result: z.object({ session: z.string(), messages: z.array(chatMessageSchema) }),
  },
} as const;
