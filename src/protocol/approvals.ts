import { z } from 'zod';

export const riskSchema = z.enum(['ip-literal', 'private-address', 'unusual-port', 'new-domain', 'plain-http']);

// One thing waiting for the operator: an egress connection held by the proxy, or an OpenClaw exec request.
export const approvalItemSchema = z.object({
  id: z.string(),
  kind: z.enum(['egress', 'exec']),
  created_at: z.string(),
  hits: z.number().int(),
  // egress
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  ip: z.string().nullable(),
  scheme: z.enum(['connect', 'http', 'https']).nullable(),
  method: z.string().nullable(),
  path: z.string().nullable(),
  // Inspected HTTPS requests (L7): request body size in bytes when known.
  body_bytes: z.number().int().nullable().optional(),
  closest_rule: z.string().nullable(),
  risk: z.array(riskSchema),
  // The executable that opened the (first) held connection, when the policy has binaries[] (else absent).
  binary: z.string().nullable().optional(),
  // exec
  command: z.string().nullable(),
  cwd: z.string().nullable(),
  session: z.string().nullable(),
  // why the agent wants it, when known (tool call correlated from the chat stream)
  cause: z.string().nullable(),
  expires_at: z.string().nullable(),
});
export type ApprovalItem = z.infer<typeof approvalItemSchema>;

// What the operator decided. `wildcard` widens an allow to the whole domain (*.example.com).
export const decisionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('allow'),
    scope: z.enum(['once', 'session', 'timed', 'always']),
    ttl_ms: z.number().int().positive().optional(),
    wildcard: z.boolean().optional(),
    // Scope an allow to request paths under this prefix (inspected HTTPS requests only).
    path_prefix: z.string().startsWith('/').optional(),
  }),
  z.strictObject({ action: z.literal('deny'), scope: z.enum(['once', 'always']) }),
]);
export type ApprovalDecision = z.infer<typeof decisionSchema>;

export const decideParamsSchema = z.strictObject({
  id: z.string(),
  decision: decisionSchema,
  by: z.string().optional(),
});

// One command OpenClaw runs without asking (its exec allowlist; "allow always" on an exec item adds one).
export const execAllowEntrySchema = z.object({
  id: z.string(),
  agent: z.string(),
  // Executable path pattern; arg_pattern narrows it to arguments (OpenClaw writes an exact-argv hash for "always").
  pattern: z.string(),
  arg_pattern: z.string().nullable(),
  source: z.string().nullable(),
  last_used_at: z.string().nullable(),
  last_used_command: z.string().nullable(),
});
export type ExecAllowEntry = z.infer<typeof execAllowEntrySchema>;
