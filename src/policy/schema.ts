import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { parseDuration } from '../config/duration.js';
import { parseHostPattern } from './host-pattern.js';

// The single source of the policy file's types: OpenShell/NemoClaw `version: 1` plus clawdeck's stamps.
// Every object is strict, so an unknown key is an error that points at that key.

const absPath = z.string().superRefine((p, ctx) => {
  if (!p.startsWith('/')) ctx.addIssue({ code: 'custom', message: `path "${p}" must be absolute (start with /)` });
  else if (p.split('/').includes('..')) ctx.addIssue({ code: 'custom', message: `path "${p}" must not contain ".."` });
  else if (p.length > 4096) ctx.addIssue({ code: 'custom', message: 'path is longer than 4096 characters' });
});

export const filesystemPolicySchema = z.strictObject({
  include_workdir: z.boolean().optional(),
  read_only: z.array(absPath).optional(),
  read_write: z
    .array(
      absPath.superRefine((p, ctx) => {
        if (p.replace(/\/+$/, '') === '') ctx.addIssue({ code: 'custom', message: 'read_write "/" is too broad' });
      }),
    )
    .optional(),
});

export const landlockSchema = z.strictObject({
  compatibility: z.enum(['best_effort', 'hard_requirement']).optional(),
});

const identity = z.union([z.string().min(1), z.number().int().min(1).max(4294967294)]);
export const processSchema = z.strictObject({
  run_as_user: identity.optional(),
  run_as_group: identity.optional(),
});

const globOrAny = z.union([z.string(), z.strictObject({ any: z.array(z.string()).min(1) })]);

// A request-path glob: every request path starts with "/", so a glob that does not would silently never match.
const requestPath = z.string().superRefine((p, ctx) => {
  if (p !== '**' && !p.startsWith('/')) ctx.addIssue({ code: 'custom', message: `path "${p}" never matches: request paths start with "/" (e.g. "/${p.replace(/^\*$/, '**')}", or "**" for every path)` });
});
// An HTTP method: any RFC 9110 token (matched case-insensitively), "*" included.
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Protocols whose rule `method` is an HTTP method (for MCP and JSON-RPC it names the RPC method, e.g. tools/call).
const HTTP_METHOD_PROTOCOLS = new Set([undefined, 'rest', 'websocket']);

// One allow clause (REST method/path/query; GraphQL, MCP and JSON-RPC selectors are accepted as written).
export const ruleMatchSchema = z.strictObject({
  method: z.string().min(1).optional(),
  path: requestPath.optional(),
  query: z.record(z.string(), globOrAny).optional(),
  operation_type: z.enum(['query', 'mutation', 'subscription', '*']).optional(),
  operation_name: z.string().optional(),
  fields: z.array(z.string()).optional(),
  tool: globOrAny.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type RuleMatch = z.infer<typeof ruleMatchSchema>;

const cidr = z.string().superRefine((s, ctx) => {
  const ok = s.includes('/') ? safe(() => ipaddr.parseCIDR(s)) : ipaddr.isValid(s);
  if (!ok) ctx.addIssue({ code: 'custom', message: `"${s}" is not an IP address or CIDR` });
});
const safe = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

const isoTime = z.union([z.string(), z.date()]).superRefine((s, ctx) => {
  const t = s instanceof Date ? s.getTime() : Date.parse(s);
  if (Number.isNaN(t)) ctx.addIssue({ code: 'custom', message: `"${String(s)}" is not a date-time (use e.g. 2026-11-25T10:00:00Z)` });
});

const duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 10m, 2h, 7d)` });
});

// clawdeck's stamps: who approved a rule, when, why, and for how long. Ignored by OpenShell tooling only if stripped.
const stampFields = {
  comment: z.string().optional(),
  approved_by: z.string().optional(),
  approved_at: isoTime.optional(),
  expires: isoTime.optional(),
  ttl: duration.optional(),
};

const port = z.number().int().min(1).max(65535);

export const endpointSchema = z
  .strictObject({
    host: z
      .string()
      .superRefine((h, ctx) => {
        const r = parseHostPattern(h);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
      })
      .optional(),
    port: port.optional(),
    ports: z.array(port).min(1).optional(),
    path: requestPath.optional(),
    protocol: z.enum(['rest', 'websocket', 'graphql', 'mcp', 'json-rpc', 'tcp', 'sql']).optional(),
    tls: z.enum(['terminate', 'passthrough', 'skip']).optional(),
    enforcement: z.enum(['enforce', 'audit']).optional(),
    access: z.enum(['read-only', 'read-write', 'full']).optional(),
    rules: z.array(z.strictObject({ allow: ruleMatchSchema })).min(1).optional(),
    deny_rules: z.array(ruleMatchSchema).min(1).optional(),
    allowed_ips: z.array(cidr).optional(),
    allow_encoded_slash: z.boolean().optional(),
    websocket_credential_rewrite: z.boolean().optional(),
    request_body_credential_rewrite: z.boolean().optional(),
    allow_uninspected_credentials: z.boolean().optional(),
    credential_signing: z.enum(['sigv4', 'sigv4:body', 'sigv4:no_body']).optional(),
    signing_service: z.string().optional(),
    signing_region: z.string().optional(),
    credential_binding: z.strictObject({ provider: z.string() }).optional(),
    persisted_queries: z.enum(['deny', 'allow_registered']).optional(),
    graphql_persisted_queries: z.record(z.string(), z.unknown()).optional(),
    graphql_max_body_bytes: z.number().int().positive().optional(),
    mcp: z
      .strictObject({
        max_body_bytes: z.number().int().positive().optional(),
        strict_tool_names: z.boolean().optional(),
        allow_all_known_mcp_methods: z.boolean().optional(),
      })
      .optional(),
    json_rpc: z.strictObject({ max_body_bytes: z.number().int().positive().optional() }).optional(),
    // clawdeck: stamps, expiry and an off switch kept in the file (the TUI toggles it).
    ...stampFields,
    disabled: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.access && e.rules) ctx.addIssue({ code: 'custom', path: ['rules'], message: '"access" and "rules" are mutually exclusive; keep one' });
    if (e.port === undefined && e.ports === undefined) ctx.addIssue({ code: 'custom', message: 'endpoint needs "port" or "ports"' });
    if (e.port !== undefined && e.ports !== undefined) ctx.addIssue({ code: 'custom', path: ['ports'], message: '"port" and "ports" are mutually exclusive; keep one' });
    if (e.host === undefined && !e.allowed_ips?.length) ctx.addIssue({ code: 'custom', message: 'endpoint needs "host" (or "allowed_ips" for a hostless endpoint)' });
    if (e.ttl !== undefined && e.approved_at === undefined) ctx.addIssue({ code: 'custom', path: ['ttl'], message: '"ttl" counts from "approved_at"; add approved_at or use "expires"' });
    if (e.rules && !e.rules.some((r) => Object.keys(r.allow).length > 0)) ctx.addIssue({ code: 'custom', path: ['rules'], message: 'rules without any allow clause would deny everything' });
    if (HTTP_METHOD_PROTOCOLS.has(e.protocol)) {
      const clauses = [...(e.rules ?? []).map((r, i) => ({ m: r.allow, at: ['rules', i, 'allow'] })), ...(e.deny_rules ?? []).map((m, i) => ({ m, at: ['deny_rules', i] }))];
      for (const { m, at } of clauses) {
        if (m.method !== undefined && !HTTP_TOKEN.test(m.method)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'method'], message: `method "${m.method}" is not an HTTP method (e.g. GET, POST, or "*" for any)` });
        }
      }
    }
  });
export type Endpoint = z.infer<typeof endpointSchema>;

export const networkPolicySchema = z.strictObject({
  name: z.string().optional(),
  endpoints: z.array(endpointSchema),
  binaries: z.array(z.strictObject({ path: z.string().min(1) })).optional(),
  ...stampFields,
});
export type NetworkPolicy = z.infer<typeof networkPolicySchema>;

const middlewareSchema = z.strictObject({
  name: z.string().optional(),
  middleware: z.string(),
  order: z.number().int().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  on_error: z.enum(['fail_closed', 'fail_open']).optional(),
  endpoints: z.strictObject({ include: z.array(z.string()).min(1), exclude: z.array(z.string()).optional() }),
});

// clawdeck's own top-level section: what happens to hosts no rule names.
export const clawdeckSectionSchema = z.strictObject({
  unknown_hosts: z.enum(['ask', 'deny']).optional(),
  // Private ranges whose unknown destinations are asked instead of refused (internal services, tests).
  ask_private: z.array(cidr).optional(),
});

const policyShape = {
  version: z.literal(1, { error: 'version must be 1 (the OpenShell policy format)' }),
  filesystem_policy: filesystemPolicySchema.optional(),
  landlock: landlockSchema.optional(),
  process: processSchema.optional(),
  network_policies: z.record(z.string(), networkPolicySchema).optional(),
  network_middlewares: z.record(z.string(), middlewareSchema).optional(),
  clawdeck: clawdeckSectionSchema.optional(),
};

export const policyFileSchema = z.strictObject(policyShape);
export type PolicyFile = z.infer<typeof policyFileSchema>;

// A preset file: NemoClaw's `preset:` header plus network_policies (no version, no static sections).
export const presetFileSchema = z.strictObject({
  preset: z.strictObject({ name: z.string(), description: z.string().optional() }),
  network_policies: z.record(z.string(), networkPolicySchema),
});
export type PresetFile = z.infer<typeof presetFileSchema>;

// Sections that cannot change on a live sandbox (Landlock, users, mounts are set at creation).
export const STATIC_SECTIONS = ['filesystem_policy', 'landlock', 'process'] as const;
