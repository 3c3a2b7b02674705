import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { Actor } from '../services/context.ts';

/** Who made an admin request, and what their key may do. */
export interface Authenticated {
  actor: Actor;
  scopes: string[];
}

/** The Hono environment of Candor's one app: the Node request and response, and what middleware sets. */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: { requestId: string; auth?: Authenticated };
}

export type AppContext = Context<AppEnv>;
