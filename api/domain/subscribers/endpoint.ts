import { BlockList, isIP } from 'node:net';
import type { FieldError } from '../errors.ts';

/** How a subscriber hears of updates. */
export const SUBSCRIBER_TYPES = ['email', 'webhook', 'slack'] as const;
export type SubscriberType = (typeof SUBSCRIBER_TYPES)[number];

/**
 * Addresses no webhook goes to unless the operator allows their network: private, loopback,
 * link-local (cloud metadata lives there), shared, multicast and reserved ranges, in IPv4 and
 * IPv6 (and IPv4 written inside IPv6).
 */
const NON_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
const NOTHING = new BlockList();
for (const [net, prefix, family] of NON_PUBLIC) nonPublic.addSubnet(net, prefix, family);

/** Parses `CANDOR_WEBHOOK_ALLOW_NETWORKS` (comma-separated CIDRs); throws naming the bad entry. */
export function allowedNetworks(list: string | undefined): BlockList {
  const allowed = new BlockList();
  for (const entry of (list ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [net = '', bits] = entry.split('/');
    const family = isIP(net);
    const prefix = Number(bits);
    if (!family || bits === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
      throw new Error(`"${entry}" is not a network in CIDR notation (e.g. 10.0.0.0/8)`);
    allowed.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return allowed;
}

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`), as IPv4; otherwise null. */
function embeddedIpv4(address: string): string | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : null;
}

/** Whether a webhook may be delivered to this resolved address. */
export function deliverableAddress(address: string, allowed: BlockList = NOTHING): boolean {
  const v4 = embeddedIpv4(address);
  const ip = v4 ?? address;
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (!isIP(ip)) return false;
  if (allowed.check(ip, family)) return true;
  return !nonPublic.check(ip, family);
}

/**
 * Checks a webhook or Slack URL when it is given: http(s), no credentials, no fragment, and
 * not an address literal that could never be delivered to. (Names are checked again on their
 * resolved address at each delivery.)
 */
export function checkEndpoint(raw: string, allowed: BlockList = NOTHING, path = 'endpoint'): FieldError[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [{ path, message: 'not a URL' }];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [{ path, message: 'must be an http or https URL' }];
  if (url.username || url.password) return [{ path, message: 'must not carry a user name or password' }];
  if (url.hash) return [{ path, message: 'must not have a #fragment' }];
  if (raw.length > 2000) return [{ path, message: 'must be at most 2000 characters' }];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !deliverableAddress(host, allowed))
    return [{ path, message: 'is a private, loopback or link-local address: webhooks only go to public addresses' }];
  if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!deliverableAddress('127.0.0.1', allowed))
      return [{ path, message: 'is a private, loopback or link-local address: webhooks only go to public addresses' }];
  }
  return [];
}
