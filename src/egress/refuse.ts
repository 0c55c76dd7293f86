import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// The JSON body of every refusal: what went wrong, in words, and what would allow it.
export interface Refusal {
  status: number;
  error: string;
  reason: string;
  rule_hint: string | null;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const body = (r: Refusal): string => JSON.stringify({ error: r.error, reason: r.reason, rule_hint: r.rule_hint }) + '\n';

// Writes a complete refusal on a raw socket (CONNECT, parse errors) and closes it.
export const refuseSocket = (sock: Socket, r: Refusal): void => {
  if (sock.destroyed) return;
  const b = body(r);
  sock.end(
    `HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(b)}\r\nconnection: close\r\nx-clawdeck-refusal: ${r.error}\r\n\r\n${b}`,
  );
  sock.destroySoon?.();
};

// Answers a plain-HTTP request with a refusal; the client connection stays usable unless `close`.
export const refuseResponse = (res: ServerResponse, r: Refusal, close = false): void => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const b = body(r);
  res.writeHead(r.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(b),
    'x-clawdeck-refusal': r.error,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(b);
};
