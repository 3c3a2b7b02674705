// `npm run candor -- <command>`: operator commands against the configured database
// (the same DATABASE_URL the server reads; safe while the server runs).
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.ts';
import { backupDatabase, restoreDatabase } from '../db/backup.ts';
import { readConfig } from './config.ts';
import { ROLES, SCOPES } from './domain/access.ts';
import { DomainError } from './domain/errors.ts';
import type { ServiceContext } from './services/context.ts';
import { isEmpty, seedDemo } from './services/demo/seed.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './services/keys/api-keys.ts';
import { recordedPublicUrl, setSharedSetting } from './services/shared-settings.ts';
import { changeUser, createUser, findUserByEmail, listUsers } from './services/users/users.ts';
import { SYSTEM_ACTOR } from './services/context.ts';

const CLI_ACTOR = { ...SYSTEM_ACTOR, name: 'cli' };

const USAGE = `Usage: npm run candor -- <command>

  keys create --name NAME --scope SCOPE [--scope SCOPE…]   create an API key (printed once, last line)
  keys list                                                list keys
  keys revoke ID                                           revoke a key at once
  users create --email EMAIL --role ROLE [--name NAME]     add a console user; prints a one-time sign-in link (7 days)
  users list                                               list console users
  users disable EMAIL                                      disable a user (their sessions end at once)
  db migrate                                               apply database migrations
  db backup FILE                                           a consistent copy of an embedded database, while it runs
  db restore FILE                                          replace an embedded database with a backup (every instance stopped)
  seed demo                                                fill an empty database with the demo page
  settings set NAME [VALUE]                                change a setting every instance must share:
                                                           CANDOR_PUBLIC_URL or CANDOR_PAGE_NAME (VALUE), or
                                                           CANDOR_SECRET (read from the environment, never an argument)

Scopes: ${SCOPES.join(', ')}. Roles: ${ROLES.join(', ')}. Reads DATABASE_URL (default file:./data/candor.db).`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      scope: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.slice(0, 2).join(' ');
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = readConfig();
  if (command === 'db restore') {
    const from = positionals[2];
    if (!from) throw new DomainError('usage', 'db restore needs the backup file');
    await restoreDatabase(config.databaseUrl, from);
    console.log(`Restored ${config.databaseUrl} from ${from}. Start the instances.`);
    return 0;
  }
  const database = await createDb(config.databaseUrl, { authToken: config.databaseAuthToken, timeoutMs: config.databaseTimeoutMs });
  const ctx: ServiceContext = { database, now: () => new Date() };
  try {
    await database.migrate();
    switch (command) {
      case 'keys create': {
        const { key, secret } = await createApiKey(
          ctx,
          {
            name: values.name ?? '',
            scopes: (values.scope ?? [])
              .flatMap((s) => s.split(','))
              .map((s) => s.trim())
              .filter(Boolean),
          },
          CLI_ACTOR,
        );
        console.log(`Created API key ${key.id} "${key.name}" with scopes ${key.scopes.join(', ')}.`);
        console.log('Store it now: it is shown only this once.');
        console.log(secret);
        return 0;
      }
      case 'keys list': {
        const keys = await listApiKeys(ctx);
        if (keys.length === 0) console.log('No API keys yet: npm run candor -- keys create --name NAME --scope admin');
        for (const k of keys) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
          console.log(`${k.id}  ${k.name}  [${k.scopes.join(', ')}]  created ${k.createdAt.toISOString()}  ${used}  ${state}`);
        }
        return 0;
      }
      case 'keys revoke': {
        const id = positionals[2];
        if (!id) throw new DomainError('usage', 'keys revoke needs the key id (see keys list)');
        const key = await revokeApiKey(ctx, id, CLI_ACTOR);
        console.log(`Revoked API key ${key.id} "${key.name}".`);
        return 0;
      }
      case 'users create': {
        const publicUrl = await recordedPublicUrl(ctx, config.publicUrl.value);
        const { user, link } = await createUser(
          ctx,
          CLI_ACTOR,
          { email: values.email ?? '', name: values.name, role: values.role ?? '' },
          { publicUrl, email: false },
        );
        console.log(`Created ${user.role} ${user.email}. Sign in within 7 days with this one-time link:`);
        console.log(link);
        return 0;
      }
      case 'users list': {
        const users = await listUsers(ctx);
        if (users.length === 0) console.log('No users yet: npm run candor -- users create --email YOU@EXAMPLE.COM --role owner');
        for (const u of users) {
          const state = u.disabledAt ? `disabled ${u.disabledAt.toISOString()}` : 'active';
          console.log(`${u.id}  ${u.email}  ${u.role}  ${u.hasPassword ? 'password set' : 'no password'}  created ${u.createdAt.toISOString()}  ${state}`);
        }
        return 0;
      }
      case 'users disable': {
        const email = positionals[2];
        if (!email) throw new DomainError('usage', 'users disable needs the email address');
        const user = await changeUser(ctx, CLI_ACTOR, (await findUserByEmail(ctx, email)).id, { disabled: true });
        console.log(`Disabled ${user.email}; their sessions have ended.`);
        return 0;
      }
      case 'db backup': {
        const to = positionals[2];
        if (!to) throw new DomainError('usage', 'db backup needs the file to write');
        await backupDatabase(database, to);
        console.log(`Backed up ${config.databaseUrl} to ${to}.`);
        return 0;
      }
      case 'db migrate':
        console.log(`Database ${config.databaseUrl} is up to date.`);
        return 0;
      case 'seed demo':
        if (!(await isEmpty(ctx))) {
          console.error('The database already has components or incidents; the demo seeds only an empty one.');
          return 1;
        }
        await seedDemo(ctx);
        console.log('Seeded the demo page.');
        return 0;
      case 'settings set': {
        const [name, value] = positionals.slice(2);
        if (!name) throw new DomainError('usage', 'settings set needs a setting name');
        await setSharedSetting(ctx, name, name === 'CANDOR_SECRET' ? (config.secret ?? '') : (value ?? ''));
        console.log(`Recorded ${name}. Restart each instance with the same value.`);
        return 0;
      }
      default:
        console.error(`Unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } finally {
    database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DomainError) {
      const fields = err.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n');
      console.error(`${err.message}${fields ? `\n${fields}` : ''}`);
      process.exit(1);
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
