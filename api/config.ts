import type { BlockList } from 'node:net';
import { DEFAULT_DATABASE_URL, DEFAULT_DB_TIMEOUT_MS } from '../db/client.ts';
import { allowedNetworks } from './domain/subscribers/endpoint.ts';

/** Candor's configuration, all from the environment (the server and the CLI read the same). */
export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  /** With a remote primary: the local file of this instance's embedded replica (reads local, writes to the primary). */
  replicaFile: string | undefined;
  /** How long one database call may take before it fails with 503. */
  databaseTimeoutMs: number;
  /** How often each instance looks for other instances' changes and renews or seeks leadership (one database request). */
  pulseMs: number;
  /** How long the leader's claim lasts unrenewed: after a crash, another instance leads within this plus one pulse. */
  leaseTtlMs: number;
  demo: boolean;
  /** The public page's name, in titles and feeds (`set`: given, not the default; see shared-settings). */
  pageName: { value: string; set: boolean };
  /** The public base URL, for absolute links (feeds, Open Graph, emails). */
  publicUrl: { value: string; set: boolean };
  /** Signs subscribers' manage links; generated and kept in the database when unset. */
  secret: string | undefined;
  /** Set: email goes through Resend. Unset: to .eml files under `outboxDir`. */
  resendApiKey: string | undefined;
  /** The sender; default: the page's name at status@example.com. */
  emailFrom: string | undefined;
  outboxDir: string;
  /** How long a sender holds a batch before another may take it over. */
  outboxLeaseMs: number;
  /** Behind a load balancer: client addresses come from X-Forwarded-For. */
  trustProxy: boolean;
  /** Responder notices: default commander and escalation contacts, a Slack-compatible webhook, how often to look. */
  commanderEmail: string | undefined;
  escalationEmail: string | undefined;
  webhookUrl: string | undefined;
  /** The longest each leader worker sleeps: they run when data changes and when something falls due, and at least this often. */
  cadenceTickMs: number;
  maintenanceTickMs: number;
  statementTickMs: number;
  /** Networks webhook subscribers may be on although not public (`CANDOR_WEBHOOK_ALLOW_NETWORKS`, CIDRs). */
  webhookAllowNetworks: BlockList;
  /** Failed deliveries in a row after which a webhook or Slack subscription is paused. */
  webhookPauseAfter: number;
  /** How long an email or webhook delivery is retried before it fails for good. */
  outboxRetryMs: number;
  /** The delivery process's scheduling priority (`nice`, 0–19; the server runs at 0): the page goes first. */
  deliveryNice: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    databaseAuthToken: env.DATABASE_AUTH_TOKEN || undefined,
    replicaFile: env.DATABASE_REPLICA_FILE || undefined,
    databaseTimeoutMs: positive(env, 'CANDOR_DB_TIMEOUT_MS', DEFAULT_DB_TIMEOUT_MS),
    pulseMs: positive(env, 'CANDOR_PULSE_MS', 1000),
    leaseTtlMs: positive(env, 'CANDOR_LEASE_TTL_MS', 5000),
    demo: env.CANDOR_DEMO !== '0',
    pageName: { value: env.CANDOR_PAGE_NAME || 'Status', set: !!env.CANDOR_PAGE_NAME },
    secret: env.CANDOR_SECRET || undefined,
    resendApiKey: env.RESEND_API_KEY || undefined,
    emailFrom: env.CANDOR_EMAIL_FROM,
    outboxDir: env.CANDOR_OUTBOX_DIR || './data/outbox',
    outboxLeaseMs: positive(env, 'CANDOR_OUTBOX_LEASE_MS', 60_000),
    trustProxy: env.CANDOR_TRUST_PROXY === '1',
    commanderEmail: env.CANDOR_COMMANDER_EMAIL || undefined,
    escalationEmail: env.CANDOR_ESCALATION_EMAIL || undefined,
    webhookUrl: env.CANDOR_WEBHOOK_URL || undefined,
    cadenceTickMs: positive(env, 'CANDOR_CADENCE_TICK_MS', 60_000),
    maintenanceTickMs: positive(env, 'CANDOR_MAINTENANCE_TICK_MS', 60_000),
    statementTickMs: positive(env, 'CANDOR_STATEMENT_TICK_MS', 60_000),
    webhookAllowNetworks: networks(env, 'CANDOR_WEBHOOK_ALLOW_NETWORKS'),
    webhookPauseAfter: count(env, 'CANDOR_WEBHOOK_PAUSE_AFTER', 10),
    outboxRetryMs: hours(env, 'CANDOR_OUTBOX_RETRY_HOURS', 24),
    deliveryNice: niceness(env, 'CANDOR_DELIVERY_NICE', 19),
    publicUrl: { value: (env.CANDOR_PUBLIC_URL || `http://${env.HOST ?? '127.0.0.1'}:${port}`).replace(/\/+$/, ''), set: !!env.CANDOR_PUBLIC_URL },
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of milliseconds, got ${raw}`);
  return value;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${raw}`);
  return value;
}

function niceness(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 19) throw new Error(`${name} must be a whole number from 0 to 19, got ${raw}`);
  return value;
}

function networks(env: NodeJS.ProcessEnv, name: string): BlockList {
  try {
    return allowedNetworks(env[name]);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

function hours(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback * 3_600_000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of hours, got ${raw}`);
  return value * 3_600_000;
}
