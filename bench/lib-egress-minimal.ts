// The floor of a forward proxy written in Node, for bench/egress.ts: CONNECT and absolute-form GET with no checks,
// no policy, no audit — what any Node proxy pays on this machine before doing its job. Prints its port.
import { createServer, request, Agent } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const url = new URL(req.url!);
  const up = request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode!, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.on('connect', (req, client, head) => {
  const [host, port] = req.url!.split(':');
  const up = connect({ host: host!, port: Number(port), noDelay: true }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) up.write(head);
    client.pipe(up).pipe(client);
  });
  (client as Socket).setNoDelay(true);
  up.on('error', () => client.destroy());
  client.on('error', () => up.destroy());
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
