import { statSync } from 'node:fs';
import { isMap } from 'yaml';
import type { DaemonContext, Service } from '../daemon/context.js';
import { ClawdeckError } from '../protocol/errors.js';
import { parseDuration, parseSince, SINCE_HINT } from '../config/duration.js';
import { providerKeyPresent } from '../config/provider-key.js';
import { providerSchema, type Config } from '../config/schema.js';
import type { ProviderInfo } from '../protocol/inference.js';
import { InferenceMeter } from './meter.js';
import { createRouterHandler } from './handler.js';
import { listenRouter } from './listen.js';
import { createUpstreamPool } from './upstream.js';
import { editConfigFile, ensureInferenceMap, ensureProvidersNode, providerYaml } from './config-file.js';
import { testProvider } from './provider-test.js';
import { LedgerWriter, readLedger, summarizeUsage } from './ledger.js';
import type { BudgetStatus } from './budget.js';
import { watchFile } from '../policy/watcher.js';
import { loadConfig } from '../config/load.js';
import { isClawdeckError } from '../protocol/errors.js';

type InferenceConfig = Config['inference'];

export interface InferenceService extends Service {
  listen: string;
  meter: InferenceMeter;
  // Resolves when every finished call is on disk in the ledger.
  flushed(): Promise<void>;
  // Resolves once hand edits of config.yaml are being watched.
  watching: Promise<void>;
}

// Provider facts safe to print anywhere: no key, no header values.
export const providerInfo = (cfg: InferenceConfig, name: string, env: NodeJS.ProcessEnv): ProviderInfo => {
  const p = cfg.providers[name]!;
  const src = providerKeyPresent(p, env);
  return {
    name,
    base_url: p.base_url,
    models: p.models,
    default: name === cfg.default_provider,
    key_source: p.key_env ? `env ${p.key_env}` : p.key_file ? `file ${p.key_file}` : null,
    key_present: src !== null,
    timeout_ms: p.timeout,
    header_names: Object.keys(p.headers),
    include_usage: p.include_usage,
  };
};

const usageError = (msg: string, hint?: string): ClawdeckError => new ClawdeckError('USAGE', msg, hint ? { hint } : {});

// The inference router service: HTTP on loopback TCP and the sandbox socket, meter, budgets, provider methods.
export const startInference = async (ctx: DaemonContext, env: NodeJS.ProcessEnv = process.env): Promise<InferenceService> => {
  const cfg = (): InferenceConfig => ctx.config.inference;
  const dispatcher = createUpstreamPool();
  const sessionId = `s-${Date.now().toString(36)}`;
  let listen = '';
  let statusTimer: NodeJS.Timeout | undefined;
  let lastCall: NonNullable<ReturnType<typeof lastCallOf>> | null = null;
  const lastCallOf = (e: { t: string; rule: string | null; provider: string; model: string; status: string; estimated: boolean }) => ({
    at: e.t,
    rule: e.rule,
    provider: e.provider,
    model: e.model,
    status: e.status,
    estimated: e.estimated,
  });
  const publishStatus = (): void => {
    const c = cfg();
    ctx.setStatus('inference', {
      listen: listen || null,
      default_provider: c.default_provider,
      providers: Object.keys(c.providers).map((n) => {
        const i = providerInfo(c, n, env);
        return { name: n, base_url: i.base_url, models: i.models, key_present: i.key_present };
      }),
      last_call: lastCall,
      budget_state: meter.budget().state,
    });
  };
  const ledger = new LedgerWriter(ctx.paths.usageLedger);
  const meter = new InferenceMeter({
    store: ctx.store,
    ledger,
    sessionId,
    budget: () => cfg().budget,
    price: (provider, model) => cfg().providers[provider]?.prices[model],
    notice: (level, text) => ctx.notice(level, text),
    onFinish: (e) => {
      lastCall = lastCallOf(e);
      // Status changes at most every 100 ms, however many calls finish.
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        publishStatus();
      }, 100).unref();
    },
  });
  meter.load();
  const handler = createRouterHandler({ config: cfg, meter, log: ctx.log, dispatcher, env });
  const listeners = await listenRouter(handler, cfg().listen, ctx.paths.inferenceSocket);
  listen = listeners.listen;
  publishStatus();
  // With a sandbox its agent routes through here within seconds: load the upstream pool after start (not during it).
  // With --no-sandbox it loads on the first routed request.
  if (!ctx.options.noSandbox) setImmediate(() => dispatcher.warm());

  // Applies a config change to the running router and config.yaml together.
  const apply = (edit: Parameters<typeof editConfigFile>[1]): InferenceConfig => {
    const next = editConfigFile(ctx.paths.configFile, edit);
    // listen changes need a restart; everything else takes effect on the next call.
    ctx.config.inference = { ...next.inference, listen: cfg().listen };
    publishStatus();
    return cfg();
  };

  const budgetView = (b: BudgetStatus = meter.budget()) => ({ ...cfg().budget, state: b.state, used_fraction: b.used_fraction, reason: b.reason });
  const need = (name: string): void => {
    if (!cfg().providers[name]) {
      throw new ClawdeckError('PROVIDER_UNKNOWN', `no provider named "${name}"`, {
        hint: `Known: ${Object.keys(cfg().providers).join(', ') || '(none)'}; add one with clawdeck provider add`,
      });
    }
  };

  ctx.server.handle('provider.list', () => ({
    default_provider: cfg().default_provider,
    providers: Object.keys(cfg().providers).map((n) => providerInfo(cfg(), n, env)),
  }));

  ctx.server.handle('provider.add', (p) => {
    if (cfg().providers[p.name] && !p.replace) {
      throw usageError(`provider "${p.name}" already exists`, 'Remove it first (clawdeck provider remove) or pass --replace.');
    }
    if (p.key_env && p.key_file) throw usageError('give --key-env or --key-file, not both');
    if (p.key_file) {
      let mode: number;
      try {
        mode = statSync(p.key_file).mode;
      } catch {
        throw usageError(`key file ${p.key_file} does not exist`, 'Write the key to it first (one line), chmod 600.');
      }
      if (mode & 0o077) {
        throw new ClawdeckError('KEY_FILE_MODE', `key file ${p.key_file} is readable by other users`, { hint: `chmod 600 ${p.key_file}` });
      }
    }
    const timeout = p.timeout === undefined ? undefined : parseDuration(p.timeout);
    if (p.timeout !== undefined && timeout === undefined) throw usageError(`--timeout "${p.timeout}" is not a duration (e.g. 90s, 10m)`);
    const provider = providerSchema.parse({ base_url: p.base_url, key_env: p.key_env, key_file: p.key_file, models: p.models, ...(timeout ? { timeout: `${timeout}ms` } : {}) });
    const c = apply((doc) => {
      ensureProvidersNode(doc, cfg().providers);
      doc.setIn(['inference', 'providers', p.name], doc.createNode(providerYaml(provider)));
    });
    ctx.log.info('inference provider added', { name: p.name, base_url: p.base_url });
    return providerInfo(c, p.name, env);
  });

  ctx.server.handle('provider.use', ({ name }) => {
    need(name);
    apply((doc) => {
      ensureInferenceMap(doc);
      doc.setIn(['inference', 'default_provider'], name);
    });
    ctx.notice('info', `inference default provider is now ${name}`);
    return { default_provider: name };
  });

  ctx.server.handle('provider.remove', ({ name }) => {
    need(name);
    if (name === cfg().default_provider) {
      throw usageError(`"${name}" is the default provider`, 'Pick another first: clawdeck provider use OTHER');
    }
    const usedBy = cfg().routes.filter((r) => r.provider === name).map((r) => r.name);
    if (usedBy.length) throw usageError(`routing rules use "${name}": ${usedBy.join(', ')}`, 'Edit inference.routes in config.yaml first.');
    apply((doc) => {
      ensureProvidersNode(doc, cfg().providers);
      doc.deleteIn(['inference', 'providers', name]);
      const fb = cfg().fallback.filter((f) => f !== name);
      if (fb.length !== cfg().fallback.length) doc.setIn(['inference', 'fallback'], doc.createNode(fb));
    });
    return { removed: name };
  });

  ctx.server.handle('provider.test', async ({ name, model }) => {
    need(name);
    const p = cfg().providers[name]!;
    const m = model ?? p.models[0];
    if (!m) throw usageError(`provider "${name}" lists no models`, 'Pass --model ID.');
    return testProvider(name, p, m, { dispatcher, env, meter });
  });

  ctx.server.handle('usage.query', async (params) => {
    const by = params?.by ?? 'model';
    let sinceMs: number | null = null;
    if (params?.since) {
      const at = parseSince(params.since);
      if (at === undefined) throw usageError(`--since "${params.since}" is not ${SINCE_HINT}`);
      sinceMs = at;
    }
    await ledger.flushed();
    const entries = readLedger(ctx.paths.usageLedger, sinceMs);
    const rows = summarizeUsage(entries, sinceMs, by);
    const total = rows.reduce(
      (t, r) => ({
        ...t,
        calls: t.calls + r.calls,
        tokens_in: t.tokens_in + r.tokens_in,
        tokens_out: t.tokens_out + r.tokens_out,
        cached_tokens: t.cached_tokens + r.cached_tokens,
        cost: t.cost + r.cost,
        estimated: t.estimated || r.estimated,
        errors: t.errors + r.errors,
        refused: t.refused + r.refused,
      }),
      { key: 'total', calls: 0, tokens_in: 0, tokens_out: 0, cached_tokens: 0, cost: 0, estimated: false, errors: 0, refused: 0 },
    );
    return { since: sinceMs === null ? null : new Date(sinceMs).toISOString(), by, rows, total, budget: budgetView() };
  });

  ctx.server.handle('budget.set', (p) => {
    apply((doc) => {
      ensureInferenceMap(doc);
      if (!isMap(doc.getIn(['inference', 'budget'], true))) doc.setIn(['inference', 'budget'], doc.createNode({}));
      for (const k of ['daily_cost', 'daily_tokens', 'session_cost', 'session_tokens', 'warn_at'] as const) {
        if (p[k] !== undefined) doc.setIn(['inference', 'budget', k], p[k]);
      }
    });
    const b = meter.checkBudget();
    publishStatus();
    return budgetView(b);
  });

  // Hand edits of config.yaml (routes, prices, budgets, providers) apply at once; an invalid file is not applied.
  const reloadFromDisk = (): void => {
    let next: Config;
    try {
      next = loadConfig(ctx.paths.configFile);
    } catch (e) {
      const where = isClawdeckError(e) && e.where?.[0] ? ` (${e.where[0].file}:${e.where[0].line}:${e.where[0].col})` : '';
      ctx.notice('error', `config.yaml change not applied to inference: ${(e as Error).message}${where}`);
      return;
    }
    const before = JSON.stringify(cfg());
    const listenChanged = next.inference.listen !== cfg().listen;
    ctx.config.inference = { ...next.inference, listen: cfg().listen };
    if (JSON.stringify(cfg()) === before) {
      if (listenChanged) ctx.notice('warn', 'inference.listen changes take effect after a restart (clawdeck down && clawdeck up)');
      return;
    }
    ctx.notice('info', 'config.yaml reloaded: inference routes, providers and budgets in force');
    publishStatus();
    meter.checkBudget();
  };
  const watcher = watchFile(ctx.paths.configFile, reloadFromDisk);

  ctx.log.info('inference router listening', { listen, socket: ctx.paths.inferenceSocket });
  return {
    name: 'inference',
    listen,
    meter,
    flushed: () => ledger.flushed(),
    watching: watcher.ready,
    stop: async () => {
      meter.stop();
      clearTimeout(statusTimer);
      await watcher.close();
      await listeners.close();
      await ledger.close();
      await dispatcher.destroy().catch(() => undefined);
    },
  };
};
