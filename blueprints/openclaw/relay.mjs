// clawdeck in-container relay (runs as the sandbox user, started by the launcher before OpenClaw).
// The container has no network (--network none): its only ways out are the Unix sockets the daemon
// serves in /run/clawdeck. Programs inside expect TCP, so this relays loopback ports to them:
//   127.0.0.1:3128 -> /run/clawdeck/egress.sock     (HTTP(S)_PROXY)
//   127.0.0.1:80   -> /run/clawdeck/inference.sock  (inference.local, mapped to 127.0.0.1)
// and, for the daemon's chat client, the reverse:
//   /run/clawdeck/gateway.sock -> 127.0.0.1:18789   (the OpenClaw gateway, bound to loopback)
import { createServer, connect } from 'node:net';
import { chmodSync, rmSync, writeSync, closeSync, existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const DIR = process.env.CLAWDECK_SOCKET_DIR ?? '/run/clawdeck';
const INFERENCE_PORT = Number(process.env.CLAWDECK_INFERENCE_PORT ?? 80);
const GATEWAY_PORT = Number(process.env.CLAWDECK_GATEWAY_PORT ?? 18789);

// binaries[] (only while the daemon's flag file says the policy has them): who opened this connection, found
// in /proc (socket inode → holders → exe and parents), sent first on egress-peer.sock with the token the
// launcher gave us and keeps from the agent. Without the flag: a plain pipe, as before.
const TOKEN = process.env.CLAWDECK_RELAY_TOKEN ?? '';
delete process.env.CLAWDECK_RELAY_TOKEN;
const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0');
const exe = (pid) => { try { return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ''); } catch { return null; } };
const ppid = (pid) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); } catch { return 0; } };
const ancestors = (pid) => { const out = []; for (let p = ppid(pid), i = 0; p > 1 && i < 64; p = ppid(p), i++) { const e = exe(p); if (e) out.push(e); } return out; };
// The kernel walks its whole TCP hash for /proc/net/tcp (~3 ms here): read it off the event loop.
const owners = async (c) => {
  const [l, r] = [`0100007F:${hex(c.remotePort)}`, `0100007F:${hex(c.localPort)}`];
  const row = (await readFile('/proc/net/tcp', 'utf8')).split('\n').map((x) => x.trim().split(/\s+/)).find((f) => f[1] === l && f[2] === r);
  if (!row) return { owners: [], why: 'no /proc/net/tcp entry' };
  const target = `socket:[${row[9]}]`;
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    let fds = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    if (fds.some((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === target; } catch { return false; } })) found.push({ exe: exe(pid), ancestors: ancestors(Number(pid)) });
  }
  return { owners: found };
};
const egress = async (c) => {
  if (!TOKEN || !existsSync(`${DIR}/egress-attribute`)) return pipe(c, { path: `${DIR}/egress.sock` });
  c.pause();
  c.on('error', () => c.destroy());
  const who = await owners(c).catch((e) => ({ owners: [], why: String(e.message) }));
  if (!c.destroyed) pipe(c, { path: `${DIR}/egress-peer.sock` }, `CLAWDECK-PEER ${TOKEN} ${JSON.stringify(who)}\n`);
};

const pipe = (client, target, first) => {
  const upstream = connect(target);
  client.pause();
  upstream.once('connect', () => {
    if (first) upstream.write(first);
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

await listen(createServer({ noDelay: true }, egress), { host: '127.0.0.1', port: 3128 });
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
