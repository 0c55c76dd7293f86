import { z } from 'zod';
import { statusSchema } from './status.js';
import { approvalItemSchema, decideParamsSchema } from './approvals.js';

const empty = z.strictObject({}).optional();

// Every socket method: its params and result schemas. Areas add their own entries here.
export const methods = {
  hello: {
    params: z.strictObject({
      version: z.number().int(),
      client: z.strictObject({ name: z.string().max(100), pid: z.number().int().optional() }),
    }),
    result: z.object({ version: z.number().int(), daemon_version: z.string(), pid: z.number().int() }),
  },
  status: { params: empty, result: statusSchema },
  subscribe: { params: empty, result: z.object({ seq: z.number().int() }) },
  shutdown: { params: empty, result: z.object({ stopping: z.boolean() }) },
  'approvals.list': { params: empty, result: z.array(approvalItemSchema) },
  'approvals.decide': { params: decideParamsSchema, result: z.object({ released: z.number().int() }) },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.infer<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export const isMethodName = (m: string): m is MethodName => Object.hasOwn(methods, m);
