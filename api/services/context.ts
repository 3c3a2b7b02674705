import type { BlockList } from 'node:net';
import type { Database } from '../../db/client.ts';
import type { CadencePolicy } from '../domain/incident/cadence.ts';

/** What every service needs: the database and the time (injected, so tests control it). */
export interface ServiceContext {
  database: Database;
  now(): Date;
  /** Seeding the demo page: incidents declared through it are marked demo (never a responder notice). */
  demo?: boolean;
  /** The cadence policy as one use case read it (`withPolicy`); absent: read when needed. */
  policy?: Promise<CadencePolicy>;
  /** Networks webhooks may reach although they are not public (`CANDOR_WEBHOOK_ALLOW_NETWORKS`); absent: none. */
  webhookAllowedNetworks?: BlockList;
}

/** Who asked: recorded in the audit log and as an update's author. */
export interface Actor {
  apiKeyId: string | null;
  /** The console user (null or absent: an API key or Candor itself). */
  userId?: string | null;
  name: string;
  requestId?: string | null;
}

export const SYSTEM_ACTOR: Actor = { apiKeyId: null, name: 'system' };
