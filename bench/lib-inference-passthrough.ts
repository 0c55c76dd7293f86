import { createServer, request, Agent } from 'node:http';

// Child process for bench/inference.ts: the least a Node process can do to relay an HTTP stream (node:http
// in, node:http out, pipe). The router's CPU per streamed token is measured against this floor.
const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const up = request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers, agent }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
