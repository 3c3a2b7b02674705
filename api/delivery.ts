// The delivery process: the outbox's email and webhook senders, started by the server
// (api/workers/delivery-process.ts), never by hand. It reads the same environment as the server,
// talks to the same database, and is told by the server when to look for work.
import { createDb } from '../db/client.ts';
import { GiveWay } from '../db/give-way.ts';
import { readConfig } from './config.ts';
import { describeError, jsonLogger as logger, outliveLogStreams } from './log.ts';
import type { ServiceContext } from './services/context.ts';
import { logoOf, logoPath } from './services/logo.ts';
import { readOperatorSettings } from './services/operator-settings.ts';
import { OutboxSender } from './workers/outbox-sender.ts';
import { WebhookSender } from './workers/webhook-sender.ts';
import type { FromDelivery, ToDelivery } from './workers/delivery-process.ts';
import { Pace } from './domain/outbox/pace.ts';
import { RETRY_POLICY } from './domain/outbox/delivery.ts';
import { resendTransport } from '../emails/transports/resend.ts';
import { outboxFileTransport } from '../emails/transports/outbox-file.ts';

// The server may be gone (a failed start, a crash): what it is no longer there to hear is dropped,
// not an error (`disconnect` then ends this process's work).
const tell = (message: FromDelivery) => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};

async function run(start: Extract<ToDelivery, { type: 'start' }>, inbox: AsyncIterable<ToDelivery>) {
  const config = readConfig();
  // Writes go to the primary: an instance's embedded replica file is its server's alone.
  // On an embedded file, its writes give way to the server's (which the server asks for while one waits).
  const database = await createDb(config.databaseUrl, {
    authToken: config.databaseAuthToken,
    timeoutMs: config.databaseTimeoutMs,
    giveWay: () => giveWay.wait(),
  });
  const ctx: ServiceContext = { database, now: () => new Date(), webhookAllowedNetworks: config.webhookAllowNetworks };
  const { shared, environment } = start;
  let operator = await readOperatorSettings(ctx, environment);

  // Email: Resend when a key is configured, else .eml files in a local folder.
  const transport = config.resendApiKey ? resendTransport(config.resendApiKey) : outboxFileTransport(config.outboxDir, logger);
  const senderSettings = {
    ...shared,
    get from() {
      return operator.emailFrom ?? environment.emailFrom;
    },
    get emailTimeZone() {
      return operator.emailTimeZone;
    },
    get brand() {
      const logo = logoPath(logoOf(operator.logo));
      return { color: operator.brandColor, logoUrl: logo ? `${shared.publicUrl}${logo}` : null };
    },
  };
  // Two email senders: one renders and records while the other waits on the provider. Both keep
  // one pace: a refusal's wait holds them both, and together they stay within the advertised rate.
  const pace = new Pace();
  const retryPolicy = { ...RETRY_POLICY, horizonMs: config.outboxRetryMs };
  const onProviderError = (status: number | null) => tell({ type: 'provider-error', status });
  const senders = [
    ...[1, 2].map(
      () =>
        new OutboxSender({ ctx, transport, settings: senderSettings, logger, leaseMs: config.outboxLeaseMs, pollMs: null, onProviderError, pace, retryPolicy }),
    ),
    // Webhook and Slack deliveries: one sender, many requests in flight.
    new WebhookSender({
      ctx,
      settings: shared,
      logger,
      allowedNetworks: config.webhookAllowNetworks,
      pauseAfter: config.webhookPauseAfter,
      leaseMs: config.outboxLeaseMs,
      retryPolicy,
      pollMs: null,
    }),
  ];
  for (const s of senders) s.start();
  tell({ type: 'started' });
  logger.info('delivering', { transport: transport.name, pid: process.pid });

  for await (const message of inbox) {
    if (message.type === 'stop') break;
    // A change (here or on another instance) may be new operator settings. What another
    // instance queued, the server's pulse finds due within a beat and wakes the senders for.
    if (message.type === 'changed') {
      operator = await readOperatorSettings(ctx, environment).catch((err) => {
        logger.error('could not read the operator settings', describeError(err));
        return operator;
      });
      continue;
    }
    for (const s of senders) s.wake();
  }
  await Promise.all(senders.map((s) => s.stop()));
  database.close();
}

/** The server's messages, in order (listened for from the start); ends when the server says stop or is gone. */
function messages(): AsyncIterableIterator<ToDelivery> {
  const queue: ToDelivery[] = [];
  let notify: (() => void) | null = null;
  let gone = false;
  const arrived = () => {
    notify?.();
    notify = null;
  };
  process.on('message', (message: ToDelivery) => {
    // Holding writes takes effect at once, not after the messages before it.
    if (message.type === 'give-way') return giveWay.hold();
    if (message.type === 'go-ahead') return giveWay.release();
    queue.push(message);
    arrived();
  });
  // The server died (even by kill -9): finish what is in hand, then exit.
  process.on('disconnect', () => {
    giveWay.release();
    gone = true;
    arrived();
  });
  // A Ctrl-C reaches the whole group: the server stops this process itself. Told to stop on its own, it stops.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => {
    queue.push({ type: 'stop' });
    arrived();
  });
  return (async function* () {
    for (;;) {
      const next = queue.shift();
      if (next) yield next;
      else if (gone) return;
      else await new Promise<void>((resolve) => (notify = resolve));
    }
  })();
}

outliveLogStreams();
const giveWay = new GiveWay();
const inbox = messages();
tell({ type: 'listening' });
let first = await inbox.next();
while (!first.done && first.value.type !== 'start' && first.value.type !== 'stop') first = await inbox.next();
if (!first.done && first.value.type === 'start') {
  await run(first.value, inbox).catch((err) => {
    logger.error('the delivery process failed', describeError(err));
    process.exitCode = 1;
  });
}
// Whatever still holds the loop open (a provider's keep-alive socket), this process is done.
process.exit();
