import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type BlockList } from 'node:net';
import { deliverableAddress } from '../../domain/subscribers/endpoint.ts';
import { retryAfterSeconds, type ProviderFailure } from '../../domain/outbox/delivery.ts';

const WEBHOOK_TIMEOUT_MS = 5000;

export type PostResult = { ok: true; status: number } | ({ ok: false } & ProviderFailure);

/** Connections are kept open between deliveries to the same receiver (a fan-out sends many). */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** A DNS lookup that refuses a name resolving to any address webhooks may not reach. */
function guardedLookup(allowed: BlockList | undefined) {
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !deliverableAddress(a.address, allowed));
      if (refused) {
        const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${refused.address}, a private, loopback or link-local address`);
        error.code = 'EADDRNOTPUBLIC';
        return callback(error, []);
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as unknown as typeof dnsLookup;
}

/**
 * POSTs one webhook: JSON body, the given headers, at most WEBHOOK_TIMEOUT_MS in all, no
 * redirect followed (a 3xx is a failure), and only to a resolved address the operator allows
 * (checked when connecting, so a name cannot be re-pointed after a check). 2xx is success.
 */
export function postWebhook(
  endpoint: string,
  body: string,
  headers: Record<string, string>,
  allowed: BlockList | undefined,
  now: () => Date,
): Promise<PostResult> {
  const url = new URL(endpoint);
  const transport = url.protocol === 'https:' ? https : http;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    // An address literal never goes through the lookup: check it here.
    if (isIP(host) && !deliverableAddress(host, allowed)) {
      resolve({ ok: false, status: null, message: `${host} is a private, loopback or link-local address`, permanent: true });
      return;
    }
    const request = transport.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: guardedLookup(allowed),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Candor-Webhooks/1', ...headers },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // The receiver's answer is not read beyond a little for the error message.
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 200) text += chunk;
        });
        response.on('end', () => {
          if (status >= 200 && status < 300) resolve({ ok: true, status });
          else
            resolve({
              ok: false,
              status,
              message:
                status >= 300 && status < 400
                  ? `redirected to ${response.headers.location ?? '?'} (redirects are not followed)`
                  : text.slice(0, 200) || `HTTP ${status}`,
              retryAfterSeconds: retryAfterSeconds(response.headers['retry-after'], now()),
            });
        });
        response.on('error', (err) => resolve({ ok: false, status: null, message: err.message }));
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => {
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
      resolve({
        ok: false,
        status: null,
        message: timedOut ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : err.message,
        permanent: err.code === 'EADDRNOTPUBLIC',
      });
    });
    request.end(body);
  });
}
