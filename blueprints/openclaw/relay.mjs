// clawdeck in-container relay (runs as the sandbox user, started by the launcher before OpenClaw).
// The container has no network (--network none): its only ways out are the Unix sockets the daemon
// serves in /run/clawdeck. Programs inside expect TCP, so this relays loopback ports to them:
//   127.0.0.1:3128 -> /run/clawdeck/egress.sock     (HTTP(S)_PROXY)
//   127.0.0.1:80   -> /run/clawdeck/inference.sock  (inference.local, mapped to 127.0.0.1)
// and, for the daemon's chat client, the reverse:
//   /run/clawdeck/gateway.sock -> 127.0.0.1:18789   (the OpenClaw gateway, bound to loopback)
import { createServer, connect } from 'node:net';
import { chmodSync, rmSync, writeSync, closeSync } from 'node:fs';

const DIR = process.env.CLAWDECK_SOCKET_DIR ?? '/run/clawdeck';
const INFERENCE_PORT = Number(process.env.CLAWDECK_INFERENCE_PORT ?? 80);
const GATEWAY_PORT = Number(process.env.CLAWDECK_GATEWAY_PORT ?? 18789);

const pipe = (client, target) => {
  const upstream = connect(target);
  client.pause();
  upstream.once('connect', () => {
    client.pipe(upstream).pipe(client);
    client.resume();
  });
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.once('error', end);
  client.once('error', end);
  upstream.once('close', end);
  client.once('close', end);
};

const listen = (server, where) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, resolve);
  });

const relay = (target) => createServer({ noDelay: true }, (c) => pipe(c, target));

await listen(relay({ path: `${DIR}/egress.sock` }), { host: '127.0.0.1', port: 3128 });
await listen(relay({ path: `${DIR}/inference.sock` }), { host: '127.0.0.1', port: INFERENCE_PORT });
const gw = `${DIR}/gateway.sock`;
rmSync(gw, { force: true });
await listen(relay({ host: '127.0.0.1', port: GATEWAY_PORT }), gw);
// The daemon (another uid) connects; the directory above it is reachable only by the daemon's user.
chmodSync(gw, 0o666);

// Tell the launcher we are ready (fd 3 is its pipe), then keep running until it stops us.
try {
  writeSync(3, 'ready\n');
  closeSync(3);
} catch {
  // started by hand: nobody to tell
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => {
  rmSync(gw, { force: true });
  process.exit(0);
});
