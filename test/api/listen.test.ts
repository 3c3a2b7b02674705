import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { listen, type Listening } from '../../api/listen.ts';

// The server's listening sockets, on real ports of this machine.
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const answer = (_req: unknown, res: import('node:http').ServerResponse) => res.end('ok');
const start = async (port = 0, sockets = 4) => {
  const listening = await listen(answer, { port, host: '127.0.0.1', sockets, keepAliveTimeout: 5_000 });
  open.push(listening);
  return listening;
};
const plain = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer(answer).once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const closing = (server: Server) => ({ close: () => new Promise<void>((r) => server.close(() => r())) });

describe.skipIf(process.platform !== 'linux')('listening on several sockets of one port', () => {
  test('every socket listens on the one port and answers; closing frees the port', async () => {
    const listening = await start();
    const { port } = listening.address;
    expect(listening.servers).toHaveLength(4);
    for (const server of listening.servers) {
      expect(server.listening).toBe(true);
      expect((server.address() as AddressInfo).port).toBe(port);
    }
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    await listening.close();
    open.pop();
    // Free again: a server without SO_REUSEPORT can bind it.
    const again = await plain(port);
    open.push(closing(again));
  });

  test('a port another server listens on is refused, and nothing is left listening', async () => {
    const other = await plain(0);
    open.push(closing(other));
    const { port } = other.address() as AddressInfo;
    await expect(start(port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  test('a port another instance shares is refused too: the sockets share it with each other only', async () => {
    const first = await start();
    await expect(start(first.address.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  test('a busy server takes in several waiting connections per turn of its event loop, not one', async () => {
    const count = async (sockets: number) => {
      const listening: Listening = await start(0, sockets);
      let accepted = 0;
      for (const s of listening.servers) s.on('connection', () => accepted++);
      const dir = mkdtempSync(join(tmpdir(), 'candor-listen-'));
      const ready = join(dir, 'connected');
      // Another process opens 32 connections while this one is busy (its loop blocked below),
      // so they wait in the kernel's queues; it keeps them open until it is killed.
      const client = spawn(
        process.execPath,
        [
          '-e',
          `const net = require('node:net'); let n = 0;
           for (let i = 0; i < 32; i++) net.connect(${listening.address.port}, '127.0.0.1', () => { if (++n === 32) require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); });
           setInterval(() => {}, 1000);`,
        ],
        { stdio: 'ignore' },
      );
      try {
        const deadline = Date.now() + 10_000;
        while (!existsSync(ready) && Date.now() < deadline) {
          // busy: no turn of the loop, no accept
        }
        expect(existsSync(ready)).toBe(true);
        // Count what one turn takes in: from one check phase (setImmediate) to the next, the
        // loop polls once.
        const turn = () => new Promise<number>((resolve) => setImmediate(() => resolve(accepted)));
        const before = await turn();
        return (await turn()) - before;
      } finally {
        client.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(await count(1)).toBe(1);
    expect(await count(8)).toBeGreaterThanOrEqual(3);
  });
});
