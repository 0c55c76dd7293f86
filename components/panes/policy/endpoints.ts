import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';

// One endpoint of a network policy, with where it sits in the file (for the cursor and jump-to-rule).
export interface PolicyEndpoint {
  rule: string;
  policy: string;
  label: string;
  line: number;
  enabled: boolean;
}

export interface YamlProblem {
  line: number;
  col: number;
  message: string;
}

// Reads the endpoints of `network_policies.<name>.endpoints[i]` from the policy text; ids match the
// engine's rule names ("<name>/endpoints[<i>]"). Tolerates broken YAML (returns what it can).
export const parseEndpoints = (text: string): PolicyEndpoint[] => {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: false });
  const out: PolicyEndpoint[] = [];
  const np = doc.get('network_policies', true) as Node | undefined;
  if (!isMap(np)) return out;
  for (const pair of np.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const eps = isMap(pair.value) ? pair.value.get('endpoints', true) : undefined;
    if (!isSeq(eps)) continue;
    eps.items.forEach((ep, i) => {
      const at = (ep as Node).range?.[0] ?? 0;
      const host = isMap(ep) ? ep.get('host') : undefined;
      const ports = isMap(ep) ? ep.get('ports') : undefined;
      const port = isMap(ep) ? (ep.get('port') ?? (isSeq(ports) ? ports.items.map((p) => String(isScalar(p) ? p.value : p)).join(',') : undefined)) : undefined;
      // The engine's off switch is `disabled: true` (the TUI toggles it).
      const enabled = isMap(ep) ? ep.get('disabled') !== true : true;
      out.push({
        rule: `${name}/endpoints[${i}]`,
        policy: name,
        label: `${String(host ?? '?')}${port !== undefined ? `:${String(port)}` : ''}`,
        line: lc.linePos(at).line,
        enabled,
      });
    });
  }
  return out;
};

// Syntax errors of a YAML text with 1-based line:col (schema checks are the daemon's job).
export const yamlSyntaxErrors = (text: string): YamlProblem[] => {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    return { line: pos.line, col: pos.col, message: e.message.split('\n')[0]! };
  });
};

// The endpoint a rule name points at ("github/endpoints[1]", or just "github" for its first endpoint).
export const findEndpointIndex = (endpoints: PolicyEndpoint[], rule: string | null): number => {
  if (!rule) return -1;
  const exact = endpoints.findIndex((e) => e.rule === rule);
  if (exact >= 0) return exact;
  const name = rule.split('/')[0];
  return endpoints.findIndex((e) => e.policy === name);
};
