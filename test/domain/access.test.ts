import { describe, expect, test } from 'vitest';
import { allows, checkPassword, ROLE_SCOPE, ROLES, SCOPES, sessionLive } from '../../api/domain/access.ts';
import { policyExample, policyWords } from '../../api/domain/incident/cadence.ts';
import { inZone, zonedToUtc } from '../../api/domain/dates.ts';
import { contrastWithWhite } from '../../api/domain/settings.ts';

const at = (iso: string) => new Date(`2026-11-${iso}Z`);
const HOUR = 60 * 60_000;

describe('sessionLive', () => {
  const signedIn = at('01T09:00:00');
  test.each([
    ['just signed in', { lastSeenAt: signedIn, endedAt: null }, at('01T09:00:01'), true],
    ['used an hour ago', { lastSeenAt: at('01T20:00:00'), endedAt: null }, at('01T21:00:00'), true],
    ['idle a minute short of a day', { lastSeenAt: signedIn }, new Date(signedIn.getTime() + 24 * HOUR - 60_000), true],
    ['idle a whole day: ended', { lastSeenAt: signedIn }, new Date(signedIn.getTime() + 24 * HOUR), false],
    ['in use every hour, 13 days on', { lastSeenAt: at('14T08:30:00') }, at('14T09:00:00'), true],
    ['in use every hour, 14 days on: ended (absolute limit)', { lastSeenAt: at('15T08:30:00') }, at('15T09:00:00'), false],
    ['signed out', { lastSeenAt: signedIn, endedAt: at('01T09:30:00') }, at('01T09:31:00'), false],
  ])('%s', (_, s, now, live) => {
    expect(sessionLive({ createdAt: signedIn, endedAt: null, ...s }, now)).toBe(live);
  });
});

describe('roles map onto the API scopes', () => {
  test.each([
    ['owner', ['admin', 'incidents:write', 'read']],
    ['responder', ['incidents:write', 'read']],
    ['viewer', ['read']],
  ] as const)('%s may do %j', (role, granted) => {
    for (const scope of SCOPES) expect(allows([ROLE_SCOPE[role]], scope)).toBe((granted as readonly string[]).includes(scope));
  });
  test('every role has a scope', () => {
    expect(ROLES.map((r) => ROLE_SCOPE[r])).toEqual(['admin', 'incidents:write', 'read']);
  });
});

describe('checkPassword', () => {
  test.each([
    ['', 'at least 12 characters'],
    ['eleven-char', 'at least 12 characters'],
    ['twelve-chars', null],
    ['correct horse battery staple', null],
    ['x'.repeat(257), 'at most 256 characters'],
  ])('%j → %s', (password, problem) => {
    expect(checkPassword(password)).toBe(problem);
  });
});

describe('policyWords', () => {
  test.each([
    [
      'SEV-1',
      [
        'Public from the moment it is declared',
        'First public update within 20 min',
        'Then a public update at least every 30 min',
        'Customers with an SLA emailed within 30 min',
        'Postmortem owed within 48 h of resolution',
      ],
    ],
    [
      'SEV-2',
      [
        'Public from the moment it is declared',
        'First public update within 1 h',
        'Then a public update at least every 1 h',
        'Customers with an SLA emailed within 2 h',
        'Postmortem owed within 72 h of resolution',
      ],
    ],
    [
      'SEV-3',
      [
        'Public only when marked customer-visible',
        'First public update within 4 h',
        'Then a public update at least every 4 h',
        'No customer emails',
        'Postmortem recommended, not owed',
      ],
    ],
    ['SEV-4', ['Internal: not on the public page', 'No first-update deadline', 'No update cadence', 'No customer emails', 'Postmortem recommended, not owed']],
  ] as const)('%s', (severity, words) => {
    expect(policyWords(severity)).toEqual(words);
  });
});

describe('policyExample', () => {
  const at = new Date('2026-11-26T10:00:00Z');
  test.each([
    [
      'SEV-1',
      'A SEV-1 declared at 10:00 UTC owes its first public update by 10:20 UTC, then one at least every 30 min; affected customers with an SLA are emailed by 10:30 UTC; its postmortem is due 48 h after it is resolved. Its commander is reminded 5 min before each deadline and the escalation contact told 10 min after a missed one.',
    ],
    [
      'SEV-3',
      'A SEV-3 declared at 10:00 UTC owes its first public update by 14:00 UTC, then one at least every 4 h; no customer is emailed; a postmortem is recommended, not owed. Its commander is reminded 5 min before each deadline and the escalation contact told 10 min after a missed one.',
    ],
    ['SEV-4', 'A SEV-4 declared at 10:00 UTC owes no public updates; no customer is emailed; a postmortem is recommended, not owed.'],
  ] as const)('%s', (severity, words) => {
    expect(policyExample(severity, at)).toBe(words);
  });
});

describe('zonedToUtc and inZone', () => {
  test.each([
    ['2026-11-26T10:00', 'UTC', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00', 'Europe/Berlin', '2026-11-26T09:00:00.000Z'],
    ['2026-07-01T10:00', 'Europe/Berlin', '2026-07-01T08:00:00.000Z'],
    ['2026-07-01T10:00', 'America/New_York', '2026-07-01T14:00:00.000Z'],
    ['2026-03-08T02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'], // skipped by DST: 03:30 EDT
    ['2026-11-01T01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'], // repeated: the first of the two
    ['2026-07-01T10:00', 'Asia/Kolkata', '2026-07-01T04:30:00.000Z'],
  ])('%s in %s is %s', (local, zone, utc) => {
    const at = zonedToUtc(local, zone)!;
    expect(at.toISOString()).toBe(utc);
  });
  test.each([
    ['2026-07-01T10:00', 'Europe/Berlin'],
    ['2026-07-01T10:00', 'Asia/Kolkata'],
    ['2026-12-31T23:59', 'Pacific/Auckland'],
  ])('%s in %s reads back the same', (local, zone) => {
    expect(inZone(zonedToUtc(local, zone)!, zone, 'T')).toBe(local);
  });
  test('nonsense is null', () => {
    expect(zonedToUtc('tomorrow', 'UTC')).toBeNull();
    expect(zonedToUtc('2026-07-01T10:00', 'Mars/Olympus')).toBeNull();
  });
});

describe('contrastWithWhite', () => {
  test.each([
    ['#ffffff', '1.0'],
    ['#000000', '21.0'],
    ['#0550ae', '7.6'],
    ['#767676', '4.5'],
    ['#ffdd00', '1.3'],
  ])('white on %s: %s:1', (hex, ratio) => {
    expect(contrastWithWhite(hex).toFixed(1)).toBe(ratio);
  });
});
