import { DEFAULT_DATABASE_URL } from '../db/client.ts';

/** Candor's configuration, all from the environment (the server and the CLI read the same). */
export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  demo: boolean;
  /** The public page's name, in titles and feeds. */
  pageName: string;
  /** The public base URL, for absolute links (feeds, Open Graph, emails). */
  publicUrl: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    databaseAuthToken: env.DATABASE_AUTH_TOKEN || undefined,
    demo: env.CANDOR_DEMO !== '0',
    pageName: env.CANDOR_PAGE_NAME || 'Status',
    publicUrl: (env.CANDOR_PUBLIC_URL || `http://${env.HOST ?? '127.0.0.1'}:${port}`).replace(/\/+$/, ''),
  };
}
