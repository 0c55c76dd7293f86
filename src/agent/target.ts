import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Paths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { GatewayTarget } from './transport.js';

// Where the sandbox service keeps the per-sandbox gateway token on the host (0600, never mounted).
export const defaultTokenFile = (paths: Paths): string => join(paths.stateDir, 'sandbox', 'gateway-token');

// The gateway to talk to: an external one from config.agent, else the sandbox relay socket.
export const resolveGatewayTarget = (paths: Paths, config: Config): GatewayTarget => {
  if (config.agent.gateway_socket) return { kind: 'unix', path: config.agent.gateway_socket };
  if (config.agent.gateway_url) return { kind: 'url', url: config.agent.gateway_url };
  return { kind: 'unix', path: paths.gatewaySocket };
};

// True when config names a gateway outside clawdeck's sandbox (the chat bridge runs even with --no-sandbox).
export const hasExternalGateway = (config: Config): boolean => Boolean(config.agent.gateway_socket || config.agent.gateway_url);

// Reads the gateway token fresh at each connect (the sandbox may have regenerated it); null when absent.
export const tokenReader =
  (paths: Paths, config: Config, env: NodeJS.ProcessEnv = process.env) =>
  async (): Promise<string | null> => {
    if (config.agent.token_env) return env[config.agent.token_env]?.trim() || null;
    try {
      return (await readFile(config.agent.token_file ?? defaultTokenFile(paths), 'utf8')).trim() || null;
    } catch {
      return null;
    }
  };
