import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { appendToMap, appendToSeq, appendTopLevel, parseForEdit, removeFromMap, removeFromSeq } from './text-edit.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { RuleAddition } from './engine-types.js';
import type { PresetFile } from './schema.js';

// Where rules from the approval queue land (one entry per verdict, created on first use).
export const APPROVED_KEY = 'clawdeck_approved';
export const DENIED_KEY = 'clawdeck_denied';

// The endpoint an "always" approval becomes: a plain allow, a path-scoped REST allow, or an outright deny.
export const endpointForAddition = (r: RuleAddition, now: Date): Record<string, unknown> => {
  const stamp = {
    ...(r.allowed_ips?.length ? { allowed_ips: r.allowed_ips } : {}),
    approved_by: r.approved_by,
    approved_at: now.toISOString(),
    ...(r.comment ? { comment: r.comment } : {}),
  };
  if (r.action === 'deny') {
    return { host: r.host, port: r.port, protocol: 'rest', access: 'full', deny_rules: [{ method: '*', path: '/**' }], ...stamp };
  }
  if (r.path_prefix) {
    const prefix = r.path_prefix.endsWith('/') ? r.path_prefix : `${r.path_prefix}/`;
    return { host: r.host, port: r.port, protocol: 'rest', rules: [{ allow: { method: '*', path: `${prefix}**` } }], ...stamp };
  }
  return { host: r.host, port: r.port, ...stamp };
};

const sameEndpoint = (a: unknown, b: Record<string, unknown>): boolean => {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  return (
    String(x.host ?? '').toLowerCase() === String(b.host ?? '').toLowerCase() &&
    JSON.stringify(x.ports ?? [x.port]) === JSON.stringify(b.ports ?? [b.port]) &&
    JSON.stringify(x.rules) === JSON.stringify(b.rules) &&
    JSON.stringify(x.deny_rules) === JSON.stringify(b.deny_rules)
  );
};

// An edit's outcome: the new text and what the edit reports (added?, enabled?, …).
export interface TextEdit<T> {
  text: string;
  result: T;
}

// Document API fallback (flow-style targets): correct content, but the file is re-serialized.
const viaDocument = <T>(text: string, edit: (doc: Document) => T): TextEdit<T> => {
  const doc = parseForEdit(text);
  const result = edit(doc);
  return { text: docToText(doc), result };
};

// Appends an endpoint under network_policies.<key> (created if missing) unless an equal one is there.
export const addEndpoint = (text: string, key: string, endpoint: Record<string, unknown>): TextEdit<boolean> => {
  const doc = parseForEdit(text);
  const np = doc.get('network_policies', true);
  if (np === undefined || np === null || (isScalar(np) && np.value === null)) {
    if (doc.has('network_policies')) return viaDocument(text, (d) => addEndpointToDoc(d, key, endpoint));
    return { text: appendTopLevel(text, 'network_policies', { [key]: { name: key, endpoints: [endpoint] } }), result: true };
  }
  if (!isMap(np)) return viaDocument(text, (d) => addEndpointToDoc(d, key, endpoint));
  const entry = np.get(key, true);
  if (entry === undefined) {
    const out = appendToMap(text, np, key, { name: key, endpoints: [endpoint] });
    return out === null ? viaDocument(text, (d) => addEndpointToDoc(d, key, endpoint)) : { text: out, result: true };
  }
  const eps = isMap(entry) ? entry.get('endpoints', true) : undefined;
  if (!isSeq(eps)) return viaDocument(text, (d) => addEndpointToDoc(d, key, endpoint));
  if ((eps.toJSON() as unknown[]).some((e) => sameEndpoint(e, endpoint))) return { text, result: false };
  const out = appendToSeq(text, eps, endpoint);
  return out === null ? viaDocument(text, (d) => addEndpointToDoc(d, key, endpoint)) : { text: out, result: true };
};

// Flips clawdeck's `disabled: true` on one endpoint; returns the new enabled state.
export const toggleEndpoint = (text: string, id: string): TextEdit<boolean> => {
  const doc = parseForEdit(text);
  const path = endpointPath(doc, id);
  const ep = doc.getIn(path, true);
  if (isMap(ep)) {
    const out = ep.get('disabled') === true ? removeFromMap(text, ep, 'disabled') : appendToMap(text, ep, 'disabled', true);
    if (out !== null) return { text: out, result: ep.get('disabled') === true };
  }
  return viaDocument(text, (d) => toggleEndpointInDoc(d, id));
};

// Removes one endpoint (its entry stays, possibly with an empty list).
export const deleteEndpoint = (text: string, id: string): TextEdit<void> => {
  const doc = parseForEdit(text);
  const path = endpointPath(doc, id);
  const seq = doc.getIn(path.slice(0, 3), true);
  if (isSeq(seq)) {
    const out = removeFromSeq(text, seq, path[3]);
    if (out !== null) return { text: out, result: undefined };
  }
  return viaDocument(text, (d) => deleteEndpointInDoc(d, id));
};

// Merges a preset: new entries are added whole, existing ones only gain missing endpoints and binaries. Nothing is dropped.
export const mergePreset = (text: string, preset: PresetFile): TextEdit<string[]> => {
  const added: string[] = [];
  let cur = text;
  for (const [key, entry] of Object.entries(preset.network_policies)) {
    const doc = parseForEdit(cur);
    const label = (e: (typeof entry.endpoints)[number]): string => `${key}: ${e.host ?? '(ips)'}:${(e.ports ?? [e.port]).join(',')}`;
    if (!doc.hasIn(['network_policies', key])) {
      const np = doc.get('network_policies', true);
      const out = isMap(np) ? appendToMap(cur, np, key, entry) : !doc.has('network_policies') ? appendTopLevel(cur, 'network_policies', { [key]: entry }) : null;
      cur = out ?? viaDocument(cur, (d) => mergePresetIntoDoc(d, { ...preset, network_policies: { [key]: entry } })).text;
      added.push(...entry.endpoints.map(label));
      continue;
    }
    for (const e of entry.endpoints) {
      const r = addEndpoint(cur, key, e as Record<string, unknown>);
      cur = r.text;
      if (r.result) added.push(label(e));
    }
    for (const b of entry.binaries ?? []) {
      const d = parseForEdit(cur);
      const bins = d.getIn(['network_policies', key, 'binaries'], true);
      const have = isSeq(bins) ? (bins.toJSON() as Array<{ path?: string }>).map((x) => x.path) : [];
      if (have.includes(b.path)) continue;
      const entryMap = d.getIn(['network_policies', key], true);
      const out = isSeq(bins) ? appendToSeq(cur, bins, b) : bins === undefined && isMap(entryMap) ? appendToMap(cur, entryMap, 'binaries', [b]) : null;
      cur = out ?? viaDocument(cur, (dd) => mergePresetIntoDoc(dd, { ...preset, network_policies: { [key]: { ...entry, endpoints: [], binaries: [b] } } })).text;
    }
  }
  return { text: cur, result: added };
};

const ensurePolicyEntry = (doc: Document, key: string, name: string): void => {
  if (!doc.has('network_policies') || !isMap(doc.get('network_policies'))) doc.set('network_policies', doc.createNode({}));
  if (!doc.hasIn(['network_policies', key])) doc.setIn(['network_policies', key], doc.createNode({ name, endpoints: [] }));
  if (!isSeq(doc.getIn(['network_policies', key, 'endpoints']))) doc.setIn(['network_policies', key, 'endpoints'], doc.createNode([]));
};

// Appends an endpoint under network_policies.<key> (created if missing) unless an equal one is there; returns whether it added.
export const addEndpointToDoc = (doc: Document, key: string, endpoint: Record<string, unknown>): boolean => {
  ensurePolicyEntry(doc, key, key);
  const existing = (doc.getIn(['network_policies', key, 'endpoints']) as { toJSON(): unknown[] }).toJSON();
  if (existing.some((e) => sameEndpoint(e, endpoint))) return false;
  doc.addIn(['network_policies', key, 'endpoints'], doc.createNode(endpoint));
  return true;
};

// "<key>/endpoints[<i>]" → its YAML path; throws a user error for ids that name nothing.
export const endpointPath = (doc: Document, id: string): [string, string, 'endpoints', number] => {
  const m = /^(.+)\/endpoints\[(\d+)\]$/.exec(id);
  if (!m || !doc.hasIn(['network_policies', m[1]!, 'endpoints', Number(m[2])])) {
    throw new ClawdeckError('POLICY_RULE_NOT_FOUND', `no endpoint "${id}" in the policy`, { hint: 'List rule ids with: clawdeck policy show' });
  }
  return ['network_policies', m[1]!, 'endpoints', Number(m[2])];
};

// Flips clawdeck's `disabled: true` on one endpoint; returns the new enabled state.
export const toggleEndpointInDoc = (doc: Document, id: string): boolean => {
  const path = endpointPath(doc, id);
  if (doc.getIn([...path, 'disabled']) === true) {
    doc.deleteIn([...path, 'disabled']);
    return true;
  }
  doc.setIn([...path, 'disabled'], true);
  return false;
};

// Removes one endpoint (its entry stays, possibly with an empty list).
export const deleteEndpointInDoc = (doc: Document, id: string): void => {
  const path = endpointPath(doc, id);
  doc.deleteIn(path);
};

// Merges a preset: new entries are added whole, existing ones only gain missing endpoints and binaries. Nothing is dropped.
export const mergePresetIntoDoc = (doc: Document, preset: PresetFile): string[] => {
  const added: string[] = [];
  for (const [key, entry] of Object.entries(preset.network_policies)) {
    if (!doc.hasIn(['network_policies', key])) {
      if (!doc.has('network_policies') || !isMap(doc.get('network_policies'))) doc.set('network_policies', doc.createNode({}));
      doc.setIn(['network_policies', key], doc.createNode(entry));
      added.push(...entry.endpoints.map((e) => `${key}: ${e.host ?? '(ips)'}:${(e.ports ?? [e.port]).join(',')}`));
      continue;
    }
    ensurePolicyEntry(doc, key, entry.name ?? key);
    for (const e of entry.endpoints) {
      if (addEndpointToDoc(doc, key, e as Record<string, unknown>)) added.push(`${key}: ${e.host ?? '(ips)'}:${(e.ports ?? [e.port]).join(',')}`);
    }
    const bins = doc.getIn(['network_policies', key, 'binaries']) as { toJSON(): Array<{ path: string }> } | undefined;
    const have = new Set((bins?.toJSON() ?? []).map((b) => b.path));
    for (const b of entry.binaries ?? []) {
      if (have.has(b.path)) continue;
      if (!isSeq(bins)) doc.setIn(['network_policies', key, 'binaries'], doc.createNode([]));
      doc.addIn(['network_policies', key, 'binaries'], doc.createNode(b));
      have.add(b.path);
    }
  }
  return added;
};

// Serializes a document without re-wrapping the operator's long lines.
export const docToText = (doc: Document): string => doc.toString({ lineWidth: 0 });

// Atomic temp+rename write that first saves the previous version as <file>.bak.
export const writePolicyFile = async (file: string, text: string): Promise<void> => {
  let previous: string | undefined;
  try {
    previous = await readFile(file, 'utf8');
  } catch {
    previous = undefined;
  }
  if (previous !== undefined) await writeFileAtomic(`${file}.bak`, previous, { mode: 0o600 });
  await writeFileAtomic(file, text, { mode: 0o600 });
};
