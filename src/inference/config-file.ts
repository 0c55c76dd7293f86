import { existsSync, readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { parseDocument, isMap, type Document } from 'yaml';
import { ClawdeckError } from '../protocol/errors.js';
import { parseYaml } from '../config/yaml-validate.js';
import { configSchema, type Config, type ProviderConfig } from '../config/schema.js';

// Edits config.yaml through the yaml Document API (comments and layout survive), validates the result
// with the full schema, and writes it atomically; returns the new config. A broken result is never written.
export const editConfigFile = (file: string, edit: (doc: Document) => void): Config => {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ClawdeckError('CONFIG_INVALID', `${file} does not parse: ${doc.errors[0]!.message.split('\n')[0]}`, {
      hint: 'Fix the file by hand (clawdeck doctor shows where), then retry.',
    });
  }
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  edit(doc);
  const out = doc.toString();
  const r = parseYaml(out, file, configSchema);
  if (!r.ok) {
    throw new ClawdeckError('CONFIG_INVALID', `the change would make ${file} invalid: ${r.errors.map((e) => e.message).join('; ')}`, {
      hint: 'Check the values given, or fix the file by hand.',
      where: r.errors,
    });
  }
  writeFileAtomic.sync(file, out, { mode: 0o600 });
  return r.value;
};

// A provider as it would be written by hand: only the fields that differ from the defaults.
export const providerYaml = (p: ProviderConfig): Record<string, unknown> => {
  const o: Record<string, unknown> = { base_url: p.base_url };
  if (p.key_env) o.key_env = p.key_env;
  if (p.key_file) o.key_file = p.key_file;
  o.models = p.models;
  if (p.timeout !== 600_000) o.timeout = `${p.timeout}ms`;
  if (Object.keys(p.headers).length) o.headers = p.headers;
  if (!p.include_usage) o.include_usage = false;
  if (Object.keys(p.prices).length) o.prices = p.prices;
  return o;
};

// Makes sure `inference:` is a map (absent or an empty `inference:` line become one) before keys are set in it.
export const ensureInferenceMap = (doc: Document): void => {
  if (!isMap(doc.get('inference', true))) doc.set('inference', doc.createNode({}));
};

// Makes sure config.yaml has an explicit providers map (so adding one does not drop the implicit default).
export const ensureProvidersNode = (doc: Document, current: Record<string, ProviderConfig>): void => {
  if (isMap(doc.getIn(['inference', 'providers'], true))) return;
  const materialized = Object.fromEntries(Object.entries(current).map(([n, p]) => [n, providerYaml(p)]));
  ensureInferenceMap(doc);
  doc.setIn(['inference', 'providers'], doc.createNode(materialized));
};
