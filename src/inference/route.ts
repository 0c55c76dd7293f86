import type { Config, RouteConfig } from '../config/schema.js';

type InferenceConfig = Config['inference'];

// What routing looks at in a request body, extracted once.
export interface RequestFacts {
  model: string | null;
  tools: boolean;
  maxTokens: number | null;
  lastUser: string;
  system: string;
  // Computed only when a rule asks for it (tokenizing a large prompt costs time on the first-token path).
  promptTokens: () => number;
}

export interface RouteTarget {
  provider: string;
  model: string;
}

// The decision for one call: where it goes first, where next, and which rule said so.
export interface RouteDecision {
  rule: string;
  chain: RouteTarget[];
}

const textOf = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  }
  return '';
};

// Reads the routing-relevant facts from an OpenAI-style request body.
export const requestFacts = (body: Record<string, unknown>, countTokens: (s: string) => number): RequestFacts => {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const system = messages.filter((m) => m?.role === 'system' || m?.role === 'developer').map((m) => textOf(m.content)).join('\n');
  const mt = body.max_completion_tokens ?? body.max_tokens;
  let prompt: number | undefined;
  return {
    model: typeof body.model === 'string' ? body.model : null,
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    maxTokens: typeof mt === 'number' ? mt : null,
    lastUser: lastUser ? textOf(lastUser.content) : typeof body.prompt === 'string' ? body.prompt : '',
    system,
    promptTokens: () =>
      (prompt ??= countTokens(
        messages.length ? messages.map((m) => textOf(m.content)).join('\n') : typeof body.prompt === 'string' ? body.prompt : textOf(body.input),
      )),
  };
};

// "22-6" → true between 22:00 and 05:59 local time.
export const inHours = (spec: string, hour: number): boolean => {
  const [a, b] = spec.split('-').map(Number) as [number, number];
  return a <= b ? hour >= a && hour < b : hour >= a || hour < b;
};

const regexCache = new Map<string, RegExp>();
const regex = (src: string): RegExp => {
  let r = regexCache.get(src);
  if (!r) regexCache.set(src, (r = new RegExp(src, 'i')));
  return r;
};

// True when every condition the rule states holds for the request.
export const ruleMatches = (rule: RouteConfig, f: RequestFacts, now: Date): boolean => {
  const m = rule.match;
  if (m.model !== undefined && !(Array.isArray(m.model) ? m.model : [m.model]).includes(f.model ?? '')) return false;
  if (m.tools !== undefined && m.tools !== f.tools) return false;
  if (m.max_tokens_over !== undefined && !(f.maxTokens !== null && f.maxTokens > m.max_tokens_over)) return false;
  if (m.max_tokens_under !== undefined && !(f.maxTokens !== null && f.maxTokens < m.max_tokens_under)) return false;
  if (m.last_user !== undefined && !regex(m.last_user).test(f.lastUser)) return false;
  if (m.system !== undefined && !regex(m.system).test(f.system)) return false;
  if (m.hours !== undefined && !inHours(m.hours, now.getHours())) return false;
  if (m.prompt_tokens_over !== undefined && !(f.promptTokens() > m.prompt_tokens_over)) return false;
  if (m.prompt_tokens_under !== undefined && !(f.promptTokens() < m.prompt_tokens_under)) return false;
  return true;
};

// The model to ask a provider for: the explicit one, else the requested one if it serves it, else its first.
const modelFor = (cfg: InferenceConfig, provider: string, requested: string | null, explicit?: string): string => {
  if (explicit) return explicit;
  const models = cfg.providers[provider]?.models ?? [];
  if (requested && (models.includes(requested) || models.length === 0)) return requested;
  return models[0] ?? requested ?? '';
};

// Picks provider+model for a call: alias, then the ordered rules, then the default provider; then the fallbacks.
export const routeRequest = (cfg: InferenceConfig, f: RequestFacts, now = new Date()): RouteDecision => {
  let rule = 'default';
  let first: RouteTarget | undefined;
  let fallback = cfg.fallback;
  const alias = f.model ? cfg.aliases[f.model] : undefined;
  const rIndex = cfg.routes.findIndex((r) => ruleMatches(r, f, now));
  if (rIndex >= 0) {
    const r = cfg.routes[rIndex]!;
    rule = r.name;
    first = { provider: r.provider, model: modelFor(cfg, r.provider, alias?.model ?? f.model, r.model) };
    fallback = r.fallback ?? fallback;
  } else if (alias) {
    rule = `alias:${f.model}`;
    first = { provider: alias.provider, model: modelFor(cfg, alias.provider, null, alias.model) };
  } else {
    first = { provider: cfg.default_provider, model: modelFor(cfg, cfg.default_provider, f.model) };
  }
  const chain = [first];
  for (const p of fallback) {
    if (p === first.provider || !cfg.providers[p]) continue;
    chain.push({ provider: p, model: modelFor(cfg, p, f.model) });
  }
  return { rule, chain };
};

// Model ids the agent can ask for: aliases first, then every model of the default provider.
export const listedModels = (cfg: InferenceConfig): string[] => [
  ...new Set([...Object.keys(cfg.aliases), ...(cfg.providers[cfg.default_provider]?.models ?? [])]),
];
