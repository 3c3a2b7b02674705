import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { parseCsv, route } from '../../api/routes/define.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { ValidationFailed } from '../../api/domain/errors.ts';
import { turnsDuring } from '../helpers/loop.ts';

describe('large bodies are read and checked with the loop turning', () => {
  test('CSV: a few megabytes parse in pieces, to the same rows; a quote never closed is a 400', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `user${i}@example.com, "a, b" ,${i % 2 ? 'true' : ''}`);
    const { turns, result } = await turnsDuring(() => parseCsv(`email,note,confirmed\r\n${lines.join('\r\n')}\r\n\r\n`));
    expect(turns).toBeGreaterThan(0); // parsed in one go, the loop would not turn at all
    expect(result).toHaveLength(30_000);
    expect(result[1]).toEqual({ email: 'user1@example.com', note: 'a, b', confirmed: 'true' });
    expect(result[29_998]).toEqual({ email: 'user29998@example.com', note: 'a, b', confirmed: '' });
    await expect(parseCsv('email\r\n"c@example.com\r\n')).rejects.toMatchObject({ code: 'malformed_csv' });
  });

  const rows = z
    .array(z.strictObject({ email: z.string().min(3), component_ids: z.array(z.string()).optional() }))
    .min(1)
    .max(5000);
  const echo = route({ method: 'post', path: '/x', summary: 'x', tag: 'x', scope: 'admin', body: rows }, async ({ body }) => body);
  const run = (body: unknown) =>
    echo.run({ params: {}, query: {}, body, actor: SYSTEM_ACTOR, ctx: {} as ServiceContext, site: async () => ({ pageName: 'x', publicUrl: 'x' }) });

  test('an array of thousands is checked a slice at a time, naming bad elements by their index, camelCased', async () => {
    const good = Array.from({ length: 4000 }, (_, i) => ({ email: `u${i}@example.com`, component_ids: ['api'] }));
    const { turns, result } = await turnsDuring(() => run(good));
    expect(turns).toBeGreaterThan(0);
    expect(result).toHaveLength(4000);
    expect((result as unknown[])[3999]).toEqual({ email: 'u3999@example.com', componentIds: ['api'] });

    const bad = good.map((r, i) => (i === 1700 ? { email: 'x\u0000@example.com' } : i === 2400 ? { email: 'u', extra: 1 } : r));
    const refused = await run(bad).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationFailed);
    expect((refused as ValidationFailed).errors).toEqual([
      { path: '[1700].email', message: 'must not contain a NUL character' },
      { path: '[2400].email', message: 'Too small: expected string to have >=3 characters' },
      { path: '[2400].extra', message: 'unknown field' },
    ]);
    // The array's own bounds hold as for a small one.
    const tooMany = await run([...good, ...good]).catch((e: unknown) => e);
    expect((tooMany as ValidationFailed).errors).toEqual([{ path: '$', message: 'Too big: expected array to have <=5000 items' }]);
  });
});
