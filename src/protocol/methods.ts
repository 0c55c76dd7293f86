import { z } from 'zod';
import { statusSchema } from './status.js';
import { approvalItemSchema, decideParamsSchema, execAllowEntrySchema } from './approvals.js';
import { inferenceMethods } from './inference.js';
import { policyMethods } from './policy.js';
import { chatMethods } from './chat.js';

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
  // OpenClaw's exec allowlist through the gateway (what "allow always" on exec items wrote); revoke removes one entry.
  'approvals.exec_allowlist': { params: empty, result: z.array(execAllowEntrySchema) },
  'approvals.exec_revoke': { params: z.strictObject({ id: z.string().min(1) }), result: z.object({ removed: z.boolean() }) },
  // Inference router (schemas in inference.ts).
  'provider.list': inferenceMethods['provider.list'],
  'provider.add': inferenceMethods['provider.add'],
  'provider.use': inferenceMethods['provider.use'],
  'provider.remove': inferenceMethods['provider.remove'],
  'provider.test': inferenceMethods['provider.test'],
  'usage.query': inferenceMethods['usage.query'],
  'budget.set': inferenceMethods['budget.set'],
  // Policy engine (schemas in policy.ts).
  'policy.show': policyMethods['policy.show'],
  'policy.check': policyMethods['policy.check'],
  'policy.diff': policyMethods['policy.diff'],
  'policy.apply': policyMethods['policy.apply'],
  'policy.preset.add': policyMethods['policy.preset.add'],
  'policy.preset.list': policyMethods['policy.preset.list'],
  'policy.endpoint.toggle': policyMethods['policy.endpoint.toggle'],
  'policy.endpoint.delete': policyMethods['policy.endpoint.delete'],
  // Chat bridge to the OpenClaw gateway (schemas in chat.ts).
  'chat.send': chatMethods['chat.send'],
  'chat.abort': chatMethods['chat.abort'],
  'chat.sessions': chatMethods['chat.sessions'],
  'chat.switch': chatMethods['chat.switch'],
  'chat.new': chatMethods['chat.new'],
  'chat.history': chatMethods['chat.history'],
  // Test-only (daemon started with CLAWDECK_TEST_HOOKS=1): replace one snapshot part / stream synthetic load.
  'debug.patch': {
    params: z.strictObject({ part: z.enum(['approvals', 'policy', 'meter', 'chat', 'notices']), value: z.unknown() }),
    result: z.object({ seq: z.number().int() }),
  },
  'debug.load': {
    params: z.strictObject({
      tokens_per_s: z.number().min(0).max(10_000),
      events_per_s: z.number().min(0).max(1000),
      duration_ms: z.number().int().min(0).max(600_000),
    }),
    result: z.object({ started: z.boolean() }),
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.infer<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export const isMethodName = (m: string): m is MethodName => Object.hasOwn(methods, m);
