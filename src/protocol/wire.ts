import { z } from 'zod';
import { errorPayloadSchema } from './errors.js';

// One line from a client: a request. `id` echoes back on the response.
export const requestSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type Request = z.infer<typeof requestSchema>;

// One line from the daemon: a response to a request, or a pushed event.
export const responseSchema = z.union([
  z.object({ id: z.number().int().nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int().nullable(), ok: z.literal(false), error: errorPayloadSchema }),
]);
export const eventSchema = z.object({ event: z.string(), data: z.unknown() });
export const serverLineSchema = z.union([responseSchema, eventSchema]);
export type Response = z.infer<typeof responseSchema>;
export type ServerEvent = z.infer<typeof eventSchema>;
