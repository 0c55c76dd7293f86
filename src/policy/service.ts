import { copyFileSync, chmodSync, existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DaemonContext, Service } from '../daemon/context.js';
import type { ErrorPayload } from '../protocol/errors.js';
import type { YamlIssue } from '../config/yaml-validate.js';
import type { EgressRequest, PolicyDecision, PolicyEngine, RuleAddition } from './engine-types.js';
import { FilePolicyEngine } from './engine.js';
import { loadPolicyText } from './load.js';
import { formatDiff } from './diff.js';
import { defaultPolicyFile, listPresets, loadPreset, loadPresetFile } from './presets.js';
import type { FileWatcher } from './watcher.js';
import { startHotReload } from './hot-reload.js';

// What the rest of the daemon holds: the engine contract plus the live engine for the TUI/CLI methods.
export interface PolicyService extends PolicyEngine, Service {
  engine: FilePolicyEngine;
  // Resolves when the file watcher is ready (tests, benchmarks).
  watching: Promise<void>;
  // The sandbox (re)started with engine.live.policy: its static sections are in force (clears the restart notice).
  sandboxStarted(): void;
  // Why the file was rejected at daemon start (the deny-all fallback is in force); empty once a valid policy is live.
  startErrors(): YamlIssue[];
}

// Used only when the file is invalid at start: nothing is allowed until it is fixed.
const FALLBACK = 'version: 1\nclawdeck:\n  unknown_hosts: deny\n';

const issuePayload = (e: YamlIssue): ErrorPayload => ({
  code: 'POLICY_INVALID',
  message: e.message,
  hint: 'Fix the file and save; the last good policy stays in force meanwhile.',
  kind: 'user',
  where: [{ file: e.file, line: e.line, col: e.col }],
});

// Copies the shipped default policy on first start (owner-only, like every clawdeck config file).
export const ensurePolicyFile = (file: string): boolean => {
  if (existsSync(file)) return false;
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(defaultPolicyFile(), file);
  chmodSync(file, 0o600);
  return true;
};

// Starts the policy engine: loads (or seeds) the policy file, watches it, publishes status, serves policy.* methods.
export const startPolicy = async (ctx: DaemonContext): Promise<PolicyService> => {
  const file = ctx.paths.policyFile;
  if (ensurePolicyFile(file)) ctx.log.info('policy: wrote the default policy', { file });
  let diskText = await readFile(file, 'utf8');
  let fallback = false;
  let startErrors: YamlIssue[] = [];
  let loaded = loadPolicyText(diskText, file);
  if (!loaded.ok) {
    startErrors = loaded.errors;
    fallback = true;
    loaded = loadPolicyText(FALLBACK, file);
    if (!loaded.ok) throw new Error('fallback policy does not validate');
  }

  const publish = (engine: FilePolicyEngine): void => {
    const errors = engine.errors.length ? engine.errors : startErrors;
    const valid = errors.length === 0 && !fallback;
    const notice = fallback
      ? `${file} is invalid: everything is denied until it is fixed`
      : engine.notice();
    ctx.setStatus('policy', {
      file,
      valid,
      last_error: errors[0] ? issuePayload(errors[0]) : null,
      loaded_at: engine.loadedAt,
      rules: engine.live.compiled.rules.filter((r) => r.enabled).length,
    });
    ctx.store.patch('policy', { file, text: diskText, valid, errors: errors.map(issuePayload), notice });
  };

  const engine = new FilePolicyEngine(file, loaded, {
    onState: (e, ev) => {
      if (ev.kind === 'swap') {
        fallback = false;
        startErrors = [];
        diskText = e.live.text;
        const summary = formatDiff(ev.diff);
        ctx.log.info('policy: swapped', { source: ev.source, generation: e.generation, changes: summary });
        if (ev.diff.changes.length || ev.diff.static_changed.length) {
          ctx.notice('info', `policy ${ev.source === 'write' ? 'written' : 'reloaded'} (generation ${e.generation}): ${summary.join('; ')}`);
        }
        if (ev.diff.static_changed.length) ctx.notice('warn', e.notice() ?? 'static sections changed: needs a sandbox restart');
      } else {
        const first = ev.errors[0]!;
        ctx.log.warn('policy: rejected an invalid save', { errors: ev.errors });
        ctx.notice('error', `${first.file}:${first.line}:${first.col}: ${first.message} — the last good policy stays in force`);
      }
      publish(e);
    },
  });
  if (fallback) ctx.notice('error', `${startErrors[0]!.file}:${startErrors[0]!.line}:${startErrors[0]!.col}: ${startErrors[0]!.message} — policy invalid, everything is denied until it is fixed`);

  const watcher: FileWatcher = startHotReload(engine, (text) => {
    const unchanged = text === diskText;
    diskText = text;
    // Our own write or a touch: nothing swaps, but the pane should show the file as it is.
    if (text === engine.live.text && !unchanged) publish(engine);
  });

  ctx.server.handle('policy.show', () => ({
    file,
    text: diskText,
    valid: !fallback && engine.errors.length === 0,
    errors: (engine.errors.length ? engine.errors : startErrors).map(issuePayload),
    notice: engine.notice(),
    generation: engine.generation,
    loaded_at: engine.loadedAt,
    unknown_hosts: engine.live.compiled.unknownHosts,
    static_pending: engine.staticPending(),
    rules: engine.live.compiled.rules,
  }));
  ctx.server.handle('policy.check', ({ text, file: name }) => {
    const r = loadPolicyText(text, name ?? file);
    return { valid: r.ok, errors: r.ok ? [] : r.errors };
  });
  ctx.server.handle('policy.diff', ({ text }) => engine.diff(text));
  ctx.server.handle('policy.apply', async ({ text }) => {
    const d = await engine.applyText(text);
    return { ...d, generation: engine.generation, notice: engine.notice() };
  });
  ctx.server.handle('policy.preset.add', async (p) => {
    const added = await engine.addPreset(await ('file' in p ? loadPresetFile(p.file) : loadPreset(p.name)));
    return { added, generation: engine.generation };
  });
  ctx.server.handle('policy.preset.list', async () => (await listPresets()).map(({ name, description }) => ({ name, description })));
  ctx.server.handle('policy.endpoint.toggle', async (p) => {
    const id = (p.id ?? p.rule)!;
    const enabled = await engine.toggleEndpoint(id);
    return { id, enabled, generation: engine.generation };
  });
  ctx.server.handle('policy.endpoint.delete', async (p) => {
    const id = (p.id ?? p.rule)!;
    await engine.deleteEndpoint(id);
    return { id, generation: engine.generation };
  });

  publish(engine);
  return {
    name: 'policy',
    engine,
    watching: watcher.ready,
    sandboxStarted: () => {
      engine.markSandboxStarted();
      publish(engine);
    },
    startErrors: () => (fallback ? startErrors : []),
    get generation() {
      return engine.generation;
    },
    decide: (req: EgressRequest): PolicyDecision => engine.decide(req),
    usesBinaries: () => engine.usesBinaries(),
    onChange: (fn) => engine.onChange(fn),
    addRule: (rule: RuleAddition) => engine.addRule(rule),
    stop: async () => {
      await watcher.close();
      engine.stop();
    },
  };
};
