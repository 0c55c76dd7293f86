import { connect } from 'node:net';
import WebSocket from 'ws';
import type { GatewayProtocolSocket, GatewayProtocolSocketHandlers } from '@openclaw/gateway-client/browser';

// Where the OpenClaw gateway is: the sandbox relay's Unix socket (normal case) or a ws:// URL (tests, external).
export type GatewayTarget = { kind: 'unix'; path: string } | { kind: 'url'; url: string };

// Largest frame the gateway advertises (hello-ok policy.maxPayload).
const MAX_PAYLOAD = 25 * 1024 * 1024;

// Human label of a target for status lines and errors.
export const describeTarget = (t: GatewayTarget): string => (t.kind === 'unix' ? `unix:${t.path}` : t.url);

// Opens one WebSocket to the gateway. Over a Unix socket the HTTP upgrade still names the container's
// loopback address, so the gateway sees what the relay is: a local backend client on 127.0.0.1.
export const openGatewaySocket = (target: GatewayTarget, h: GatewayProtocolSocketHandlers): GatewayProtocolSocket => {
  const ws =
    target.kind === 'unix'
      ? new WebSocket('ws://127.0.0.1:18789/', { maxPayload: MAX_PAYLOAD, createConnection: () => connect(target.path) })
      : new WebSocket(target.url, { maxPayload: MAX_PAYLOAD });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => h.open());
  ws.on('message', (d: Buffer) => h.message(d.toString('utf8')));
  ws.on('close', (code, reason) => h.close(code, reason.toString()));
  ws.on('error', (e) => h.error(e));
  return {
    isOpen: () => ws.readyState === WebSocket.OPEN,
    send: (data) => ws.send(data),
    close: (code, reason) => {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    },
  };
};
