import type { DaemonContext, Service } from './context.js';
import { startTestHooks, testHooksEnabled } from './test-hooks.js';
import { startInference } from '../inference/service.js';
import { startPolicy } from '../policy/service.js';
import { startEgress } from '../egress/service.js';
import { hasExternalGateway } from '../agent/target.js';
import { notApplicable } from '../sandbox/probe.js';

// The daemon's parts in start order; each registers its socket methods and publishes its status.
// Later parts may depend on earlier ones through the returned handles.
export const startServices = async (ctx: DaemonContext): Promise<Service[]> => {
  const services: Service[] = [];
  // Policy engine first: egress decides through it (pass `policy` to startEgress).
  const policy = await startPolicy(ctx);
  services.push(policy);
  // Egress proxy + approval queue + audit log: loopback TCP (proxy.listen) and the sandbox's Unix socket.
  services.push(await startEgress(ctx, policy));
  // Inference router: inference.local for the sandbox (Unix socket) and loopback TCP for the host.
  services.push(await startInference(ctx));
  // Sandbox: image build, hardened container, gateway readiness and the enforcement probe run in the background
  // (status.sandbox shows progress). With --no-sandbox it only marks every enforcement layer n/a.
  // Its supervisor (dockerode, tar-fs, execa) and the chat bridge (OpenClaw's gateway client, ws) load only when
  // used: a --no-sandbox daemon keeps ~20 MB less heap, which every major GC of the egress proxy's process marks.
  if (ctx.options.noSandbox) {
    ctx.setStatus('enforcement', notApplicable('started with --no-sandbox'));
    services.push({ name: 'sandbox', stop: async () => {} });
  } else {
    const { startSandbox } = await import('../sandbox/service.js');
    services.push(await startSandbox(ctx, policy));
  }
  // Chat bridge to OpenClaw's gateway (after the sandbox, whose relay socket it connects to; it retries in the
  // background until that socket appears). With --no-sandbox only when config.agent names an external gateway.
  if (!ctx.options.noSandbox || hasExternalGateway(ctx.config)) {
    const { startAgent } = await import('../agent/service.js');
    services.push(await startAgent(ctx));
  }
  // Last: test-only synthetic state for e2e tests and benchmarks (off unless CLAWDECK_TEST_HOOKS=1).
  if (testHooksEnabled()) services.push(startTestHooks(ctx));
  return services;
};
