import type { Database } from '../../db/client.ts';

/** What every service needs: the database and the time (injected, so tests control it). */
export interface ServiceContext {
  database: Database;
  now(): Date;
  /** Seeding the demo page: incidents declared through it are marked demo (never a responder notice). */
  demo?: boolean;
}

/** Who asked: recorded in the audit log and as an update's author. */
export interface Actor {
  apiKeyId: string | null;
  name: string;
  requestId?: string | null;
}

export const SYSTEM_ACTOR: Actor = { apiKeyId: null, name: 'system' };
