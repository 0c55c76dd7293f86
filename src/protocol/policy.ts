import { z } from 'zod';
import { errorPayloadSchema } from './errors.js';

// One endpoint as listed by `policy show` and the TUI (id = "<policy>/endpoints[<i>]").
export const policyRuleSchema = z.object({
  id: z.string(),
  policy: z.string(),
  host: z.string(),
  ports: z.array(z.number().int()),
  action: z.enum(['allow', 'deny', 'l7']),
  enabled: z.boolean(),
  expires: z.string().nullable(),
  comment: z.string().nullable(),
  approved_by: z.string().nullable(),
  // binaries[]: only these executables may use the endpoint (null or absent = every binary).
  binaries: z.array(z.string()).nullable().optional(),
});

export const policyIssueSchema = z.object({ file: z.string(), line: z.number().int(), col: z.number().int(), message: z.string() });

export const ruleChangeSchema = z.object({
  change: z.enum(['added', 'removed', 'changed']),
  policy: z.string(),
  endpoint: z.string().nullable(),
  detail: z.string(),
});

export const policyDiffSchema = z.object({ changes: z.array(ruleChangeSchema), static_changed: z.array(z.string()) });

const text = z.string().max(4 * 1024 * 1024);

// A rule id ("<policy>/endpoints[<i>]"), as `id` or (the TUI's spelling) `rule`.
const ruleRef = z
  .strictObject({ id: z.string().min(1).optional(), rule: z.string().min(1).optional() })
  .refine((p) => (p.id ?? p.rule) !== undefined, { message: 'give the rule id as "id"' });

// The policy engine's socket methods (added to methods.ts).
export const policyMethods = {
  'policy.show': {
    params: z.strictObject({}).optional(),
    result: z.object({
      file: z.string(),
      text: z.string(),
      valid: z.boolean(),
      errors: z.array(errorPayloadSchema),
      notice: z.string().nullable(),
      generation: z.number().int(),
      loaded_at: z.string(),
      unknown_hosts: z.enum(['ask', 'deny']),
      static_pending: z.array(z.string()),
      rules: z.array(policyRuleSchema),
    }),
  },
  'policy.check': {
    params: z.strictObject({ text, file: z.string().optional() }),
    result: z.object({ valid: z.boolean(), errors: z.array(policyIssueSchema) }),
  },
  'policy.diff': { params: z.strictObject({ text }), result: policyDiffSchema },
  'policy.apply': {
    params: z.strictObject({ text }),
    result: policyDiffSchema.extend({ generation: z.number().int(), notice: z.string().nullable() }),
  },
  'policy.preset.add': {
    // A shipped preset by name, or a preset file (NemoClaw's format) by absolute path on the daemon's host.
    params: z.union([z.strictObject({ name: z.string().min(1).max(100) }), z.strictObject({ file: z.string().startsWith('/').max(4096) })]),
    result: z.object({ added: z.array(z.string()), generation: z.number().int() }),
  },
  'policy.preset.list': {
    params: z.strictObject({}).optional(),
    result: z.array(z.object({ name: z.string(), description: z.string() })),
  },
  'policy.endpoint.toggle': {
    params: ruleRef,
    result: z.object({ id: z.string(), enabled: z.boolean(), generation: z.number().int() }),
  },
  'policy.endpoint.delete': {
    params: ruleRef,
    result: z.object({ id: z.string(), generation: z.number().int() }),
  },
} as const;
