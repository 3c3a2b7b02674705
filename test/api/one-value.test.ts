import { expect, test } from 'vitest';
import { rowsInOneValue } from '../../db/one-value.ts';
import { incidents, slaPlans } from '../../db/schema/index.ts';
import { sql } from 'drizzle-orm';
import { createTestDb } from '../helpers/db.ts';
import { expectSameRowsAsUsual } from '../helpers/one-value.ts';

test('rows sent as one JSON value are the rows a query reads as usual, in its order, typed alike (embedded file)', async () => {
  const { database, cleanup } = await createTestDb();
  try {
    await expectSameRowsAsUsual(database);
  } finally {
    cleanup();
  }
});

test('a selection that is not of text or integer columns is refused when the statement is made', async () => {
  const { database, cleanup } = await createTestDb();
  try {
    expect(() => rowsInOneValue(database.db, database.db.select({ n: sql<number>`count(*)` }).from(incidents))).toThrow(/n is not a column/);
    // JSON would round a real to 15 digits.
    expect(() => rowsInOneValue(database.db, database.db.select().from(slaPlans))).toThrow(/target is a real column/);
  } finally {
    cleanup();
  }
});
