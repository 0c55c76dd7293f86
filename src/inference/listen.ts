import { createServer, type RequestListener, type Server } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { ClawdeckError } from '../protocol/errors.js';

// "127.0.0.1:0" / "[::1]:8000" / "localhost:8000" → host and port.
export const parseListen = (s: string): { host: string; port: number } => {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  if (!m) throw new ClawdeckError('CONFIG_INVALID', `inference.listen "${s}" is not host:port`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
};

const isLoopback = (host: string): boolean =>
  host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';

const serve = (handler: RequestListener): Server => {
  const s = createServer({ noDelay: true, keepAlive: true, requestTimeout: 0 }, handler);
  // Streams may run for minutes; the stall timeout lives on the upstream side.
  s.headersTimeout = 60_000;
  s.timeout = 0;
  return s;
};

const listenOn = (s: Server, arg: { host: string; port: number } | { path: string }, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(new ClawdeckError('INFERENCE_LISTEN_FAILED', `the inference router cannot listen on ${what}: ${e.code ?? e.message}`, {
        hint: e.code === 'EADDRINUSE' ? 'Pick another inference.listen port in config.yaml (0 = any free port).' : 'See the daemon log.',
        cause: e,
      })),
    );
    if ('path' in arg) s.listen(arg.path, () => resolve());
    else s.listen(arg.port, arg.host, () => resolve());
  });

export interface RouterListeners {
  listen: string;
  close(): Promise<void>;
}

// Serves the router on loopback TCP (the host, tests) and on the sandbox's Unix socket (mode 0666, the
// container's only way to reach inference.local). Non-loopback TCP is refused: it would hand out the keys' power.
export const listenRouter = async (handler: RequestListener, listen: string, socketPath: string): Promise<RouterListeners> => {
  const { host, port } = parseListen(listen);
  if (!isLoopback(host)) {
    throw new ClawdeckError('INFERENCE_LISTEN_NOT_LOOPBACK', `inference.listen ${listen} is not a loopback address`, {
      hint: 'Use 127.0.0.1:<port>; the sandbox reaches the router through its Unix socket, not TCP.',
    });
  }
  const tcp = serve(handler);
  await listenOn(tcp, { host, port }, listen);
  const unix = serve(handler);
  rmSync(socketPath, { force: true });
  try {
    await listenOn(unix, { path: socketPath }, socketPath);
  } catch (e) {
    tcp.close();
    throw e;
  }
  chmodSync(socketPath, 0o666);
  const addr = tcp.address();
  const real = typeof addr === 'object' && addr ? (addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`) : listen;
  const closeOne = (s: Server): Promise<void> =>
    new Promise((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  return {
    listen: real,
    close: async () => {
      await Promise.all([closeOne(tcp), closeOne(unix)]);
      rmSync(socketPath, { force: true });
    },
  };
};
