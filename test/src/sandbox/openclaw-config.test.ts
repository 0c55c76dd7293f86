import { describe, expect, it } from 'vitest';
import { buildOpenClawConfig } from '../../../src/sandbox/openclaw-config.js';

describe('OpenClaw config for the sandbox', () => {
  it('Binds the gateway to loopback with token auth and points the inference provider at inference.local', () => {
    const c = buildOpenClawConfig() as any;
    expect(c.gateway).toMatchObject({ mode: 'local', bind: 'loopback', auth: { mode: 'token' } });
    expect(c.gateway.auth.token).toBeUndefined();
    expect(c.models.providers.inference.baseUrl).toBe('http://inference.local/v1');
    expect(c.agents.defaults.model.primary).toBe('inference/nvidia/nemotron-3-super-120b-a12b');
  });
});
