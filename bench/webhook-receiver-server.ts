// Subscribers' webhook receivers, as their own process on the load generator's core: answers
// 204 to every POST and counts requests and distinct webhook-ids (asked over IPC).
import { createServer } from 'node:http';

let received = 0;
let first = 0;
let last = 0;
const ids = new Set<string>();
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    last = performance.now();
    if (received === 1) first = last;
    ids.add(String(req.headers['webhook-id']));
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }));
});
process.on('message', () => process.send?.({ received, unique: ids.size, spanMs: last - first }));
