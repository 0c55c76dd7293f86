import type { Snapshot } from '../protocol/snapshot.js';
import type { Paths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { VERSION } from './version.js';

const zeroTotals = { tokens_in: 0, tokens_out: 0, cost: 0, calls: 0 };

// The state before any service reports: nothing claimed, every layer unproven.
export const initialSnapshot = (paths: Paths, config: Config, noSandbox: boolean, startedAt: Date): Omit<Snapshot, 'seq'> => ({
  status: {
    daemon: {
      pid: process.pid,
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      uptime_s: 0,
      started_at: startedAt.toISOString(),
      home: paths.configDir,
    },
    sandbox: {
      state: noSandbox ? 'disabled' : 'absent',
      container: null,
      image: null,
      image_digest: null,
      detail: noSandbox ? 'started with --no-sandbox' : null,
    },
    proxy: { listen: null },
    inference: {
      listen: null,
      default_provider: config.inference.default_provider,
      providers: [],
    },
    policy: { file: paths.policyFile, valid: false, last_error: null, loaded_at: null, rules: 0 },
    enforcement: [],
    approvals: { pending: 0 },
  },
  approvals: [],
  policy: { file: paths.policyFile, text: '', valid: false, errors: [], notice: null },
  meter: {
    active: [],
    recent: [],
    totals: { session: { ...zeroTotals }, today: { ...zeroTotals } },
    per_model: [],
    budget: { cost_cap: null, token_cap: null, used_fraction: null, state: 'ok' },
    history: [],
  },
  chat: { connected: false, session: null, sessions: [], running: false, messages: [] },
  notices: [],
});
