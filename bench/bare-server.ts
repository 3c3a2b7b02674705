// The yardstick: a bare node:http server answering every request with the same bytes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port, contentType, encoding] = process.argv.slice(2);
const body = readFileSync(file!);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': contentType!, 'content-length': body.length, ...(encoding && { 'content-encoding': encoding }) });
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
