import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../api/log.ts';
import type { EmailMessage, SendResult, Transport } from './transport.ts';

function eml(message: EmailMessage, id: string): string {
  const boundary = `candor-${id}`;
  const header = (name: string, value: string) => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`;
  return [
    header('From', message.from),
    header('To', message.to),
    header('Subject', message.subject),
    header('Message-ID', `<${id}@candor.local>`),
    // Mail without a Date header is scored as spam (and some clients sort it as 1970).
    header('Date', new Date().toUTCString()),
    ...Object.entries(message.headers ?? {}).map(([k, v]) => header(k, v)),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    message.text,
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    message.html,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/**
 * The development transport: each email becomes an .eml file under `dir` (open it in any mail
 * client), so Candor runs offline with no provider. Idempotent like the real one: the same
 * key writes the same files.
 */
export function outboxFileTransport(dir: string, logger: Logger): Transport {
  return {
    name: 'outbox-file',
    async sendBatch(messages, idempotencyKey): Promise<SendResult> {
      mkdirSync(dir, { recursive: true });
      const ids = messages.map((m, i) => createHash('sha256').update(`${idempotencyKey}/${i}/${m.to}`).digest('hex').slice(0, 20));
      for (const [i, m] of messages.entries()) writeFileSync(join(dir, `${ids[i]}.eml`), eml(m, ids[i]!));
      logger.info('emails written to the local outbox', { count: messages.length, dir });
      return { ok: true, ids };
    },
  };
}
