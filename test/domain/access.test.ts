import { describe, expect, test } from 'vitest';
import { allows, checkPassword, ROLE_SCOPE, ROLES, SCOPES, sessionLive } from '../../api/domain/access.ts';
import { policyWords } from '../../api/domain/incident/cadence.ts';

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
