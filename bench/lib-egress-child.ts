// A bare clawdeck proxy in its own process (allow-all policy) for `bench/egress.ts` when no daemon is used.
import { ProxyCore } from '../src/egress/proxy-core.js';
import { HoldQueue } from '../src/egress/hold-queue.js';
import { AuditLog } from '../src/egress/audit-log.js';
import { tcpDialer } from '../src/egress/resolver.js';
import type { PolicyEngine } from '../src/policy/engine-types.js';

const policy: PolicyEngine = {
  generation: 0,
  decide: () => ({ verdict: 'allow', rule: 'bench', reason: 'bench', audit: false, closest: null }),
  onChange: () => () => {},
  addRule: async () => {},
};
const audit = new AuditLog(process.argv[2] ?? '/dev/null');
const queue = new HoldQueue({ holdTimeoutMs: 1000, policy, onChange: () => {}, onNew: () => {}, onResolved: () => {} });
const core = new ProxyCore({
  policy,
  queue,
  audit,
  resolver: async (h) => (h === 'localhost' ? ['127.0.0.1'] : []),
  dialer: tcpDialer,
  maxHeaderBytes: 32 * 1024,
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 600_000,
});
const addr = await core.listenTcp('127.0.0.1', 0);
process.stdout.write(`${addr.port}\n`);
process.on('SIGTERM', () => void core.close().then(() => process.exit(0)));
