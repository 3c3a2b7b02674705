import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.ts';
import { exitOf } from '../../scripts/processes.ts';

// The real Prometheus Alertmanager (Debian's prometheus-alertmanager), alerts fired and
// resolved with its own amtool, delivering to the real Candor server, which moves the
// component and tells a webhook subscriber: alert source → status page → subscriber.
const run = promisify(execFile);
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let receiver: Receiver;
let alertmanager: ChildProcess;
let amUrl: string;
let dir: string;
let admin: ReturnType<typeof fixture.admin>;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const amtool = (...args: string[]) => run('amtool', [...args, `--alertmanager.url=${amUrl}`]);

beforeAll(async () => {
  fixture = await createSiteFixture();
  receiver = await startReceiver();
  server = await startServer({
    DATABASE_URL: fixture.databaseUrl,
    CANDOR_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
    CANDOR_PUBLIC_URL: 'https://status.example.com',
  });
  admin = fixture.admin(server);
  await admin('POST', '/components', { name: 'API' });
  const integration = await admin('POST', '/integrations', { type: 'alertmanager', name: 'Prometheus', min_hold_seconds: 0 });

  dir = mkdtempSync(join(tmpdir(), 'candor-alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: candor',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: candor',
      '    webhook_configs:',
      `      - url: ${server.url}${integration.url_path}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  alertmanager = spawn(
    'prometheus-alertmanager',
    [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: 'ignore' },
  );
  await within(15_000, async () => (await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok ?? false);
}, 60_000);

afterAll(async () => {
  alertmanager?.kill('SIGTERM');
  if (alertmanager) await exitOf(alertmanager);
  await server?.stop();
  await receiver?.close();
  fixture?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const apiStatus = async () => (await admin('GET', '/components')).data.find((c: { name: string }) => c.name === 'API').status;

test('a firing alert moves the component and its webhook subscribers hear it; resolving it brings it back', async () => {
  const hook = await admin('POST', '/subscribers', { type: 'webhook', email: 'ops@example.com', endpoint: `${receiver.url}/hook`, confirmed: true });

  await amtool('alert', 'add', 'alertname=ApiDown', 'candor_component=API', 'severity=critical', '--annotation=summary=API answers 503');
  await within(20_000, async () => (await apiStatus()) === 'major_outage');
  await within(10_000, async () => receiver.on('/hook').length >= 1);
  const [first] = receiver.on('/hook');
  const payload = new Webhook(hook.signing_secret).verify(first!.body, first!.headers as Record<string, string>) as Record<string, any>;
  expect(payload.component_update).toMatchObject({ old_status: 'operational', new_status: 'major_outage' });

  // Resolved: amtool posts the alert again, ended now; Alertmanager sends the resolved notification.
  await amtool('alert', 'add', 'alertname=ApiDown', 'candor_component=API', 'severity=critical', `--end=${new Date().toISOString()}`);
  await within(20_000, async () => (await apiStatus()) === 'operational');
  await within(10_000, async () => receiver.on('/hook').length >= 2);
  const second = JSON.parse(receiver.on('/hook')[1]!.body);
  expect(second.component_update).toMatchObject({ old_status: 'major_outage', new_status: 'operational' });
  // Exactly one delivery per change: nothing repeated.
  expect(receiver.on('/hook')).toHaveLength(2);

  const audit = await admin('GET', '/audit?action=integration.alerts');
  expect(audit.data.length).toBeGreaterThanOrEqual(2);
}, 60_000);
