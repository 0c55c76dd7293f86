// The contract between the policy engine and its users (egress proxy, approvals, TUI).
// The policy module implements it; the proxy depends only on this file.

export type Verdict = 'allow' | 'deny' | 'ask';

// Which executable opened a connection (network_policies.<name>.binaries[]): `exe` is /proc/<pid>/exe with
// symlinks resolved, `ancestors` its parents' executables (nearest first). exe null = unknown, with why.
export interface PeerBinary {
  exe: string | null;
  ancestors: string[];
  why?: string;
}

// One outbound request as the proxy sees it. `ip` is the resolved address the proxy will dial.
export interface EgressRequest {
  host: string;
  port: number;
  ip?: string;
  method?: string;
  path?: string;
  query?: string;
  // The attributed binary; absent or exe null = unknown (an entry with binaries never matches it).
  binary?: PeerBinary | null;
}

export interface PolicyDecision {
  verdict: Verdict;
  // "<network_policies key>/endpoints[<i>]" (or "deny_rules…", "private-address", "default") — what decided it.
  rule: string | null;
  // One sentence for the refusal body / audit line.
  reason: string;
  // enforcement: audit — the rule would deny, but traffic is let through and logged.
  audit: boolean;
  // For ask/deny: the rule that came closest (same host other port, sibling domain, …) for the queue's hint.
  closest: string | null;
  // allow decided at connection level by an endpoint with method/path/query rules: inspect requests (L7) to enforce them.
  inspect?: boolean;
  // allow by an endpoint with protocol: websocket — the inspecting proxy lets WebSocket upgrades through only then.
  websocket?: boolean;
  // allow by an endpoint with allow_encoded_slash: true — the proxy keeps %2F in paths (encoded) instead of refusing.
  allowEncodedSlash?: boolean;
  // Set when an entry with binaries[] was passed over because the connection's binary is not listed.
  binary?: { seen: string; allowed: string[] };
}

// A rule written from the approval queue ("always" decisions); lands in the YAML with a stamp.
export interface RuleAddition {
  host: string;
  port: number;
  action: 'allow' | 'deny';
  approved_by: string;
  comment?: string;
  // Optional method/path scope (L7) when known.
  path_prefix?: string;
  // The pinned address when it is private: an "always" for it must name it (allowed_ips) to take effect.
  allowed_ips?: string[];
}

export interface PolicyEngine {
  // Pure and fast (compiled index; no scans). Safe to call for every connection and request.
  decide(req: EgressRequest): PolicyDecision;
  // True when some entry in force has binaries[]: only then does the proxy attribute connections (it costs a /proc scan).
  usesBinaries?(): boolean;
  // Bumps on every successful swap.
  readonly generation: number;
  // Called after a new policy is in force (hot reload or write); the proxy re-checks live connections.
  onChange(fn: () => void): () => void;
  // Writes a rule into the policy file (comments kept, atomic, backup) and swaps it in before resolving.
  addRule(rule: RuleAddition): Promise<void>;
}
