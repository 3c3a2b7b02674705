import { describe, expect, test } from 'vitest';
import { alertStatus, decideHold, DEFAULT_SEVERITY_STATUSES, readAlert, type Alert } from '../../api/domain/integrations/alerts.ts';
import { allowedNetworks, checkEndpoint, deliverableAddress } from '../../api/domain/subscribers/endpoint.ts';

const mapping = { componentLabel: 'candor_component', severityStatuses: DEFAULT_SEVERITY_STATUSES };
const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}): Alert => ({
  status: 'firing',
  labels,
  annotations,
  startsAt: new Date(0),
  fingerprint: 'f',
});

describe('readAlert', () => {
  test.each([
    [{ candor_component: 'API', severity: 'critical' }, {}, { kind: 'component', componentRef: 'API', status: 'major_outage', summary: 'Alert' }],
    [
      { candor_component: 'API', severity: 'Warning' },
      { summary: 'p99 high' },
      { kind: 'component', componentRef: 'API', status: 'partial_outage', summary: 'p99 high' },
    ],
    [
      { candor_component: ' x1 ', severity: 'info', alertname: 'Slow' },
      {},
      { kind: 'component', componentRef: 'x1', status: 'degraded_performance', summary: 'Slow' },
    ],
    [
      { candor_component: 'API', severity: 'info' },
      { description: 'why' },
      { kind: 'component', componentRef: 'API', status: 'degraded_performance', summary: 'why' },
    ],
    [{ severity: 'critical' }, {}, { kind: 'ignored', reason: 'no candor_component label' }],
    [{ candor_component: 'API' }, {}, { kind: 'ignored', reason: 'no severity label' }],
    [{ candor_component: 'API', severity: 'page' }, {}, { kind: 'ignored', reason: 'severity "page" is not mapped to a component status' }],
  ])('%j %j', (labels, annotations, expected) => {
    expect(readAlert(alert(labels, annotations), mapping)).toEqual(expected);
  });
});

test.each([
  [[], 'operational'],
  [['degraded_performance'], 'degraded_performance'],
  [['degraded_performance', 'major_outage', 'partial_outage'], 'major_outage'],
] as const)('alertStatus(%j) = %s', (firing, expected) => {
  expect(alertStatus([...firing])).toBe(expected);
});

describe('decideHold', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 26, 10, m));
  test.each([
    ['no change', { current: 'major_outage', wanted: 'major_outage', changedAt: at(0), now: at(1) }, { none: true }],
    ['first change', { current: 'operational', wanted: 'major_outage', changedAt: null, now: at(0) }, { apply: 'major_outage' }],
    [
      'worse shows at once, even within the hold',
      { current: 'partial_outage', wanted: 'major_outage', changedAt: at(0), now: at(1) },
      { apply: 'major_outage' },
    ],
    ['better waits for the hold', { current: 'major_outage', wanted: 'operational', changedAt: at(0), now: at(1) }, { wait: 'operational', until: at(5) }],
    ['better after the hold', { current: 'major_outage', wanted: 'operational', changedAt: at(0), now: at(5) }, { apply: 'operational' }],
    [
      'maintenance is never "worse"',
      { current: 'operational', wanted: 'under_maintenance', changedAt: at(0), now: at(1) },
      { wait: 'under_maintenance', until: at(5) },
    ],
    [
      'no hold: better applies at once, even when the last change was recorded after this clock was read',
      { current: 'partial_outage', wanted: 'operational', changedAt: at(1), now: at(0), minHoldMs: 0 },
      { apply: 'operational' },
    ],
  ] as const)('%s', (_, state, expected) => {
    expect(decideHold({ minHoldMs: 5 * 60_000, ...state })).toEqual(expected);
  });
});

describe('webhook addresses', () => {
  const loopback = allowedNetworks('127.0.0.0/8, 10.1.0.0/16');
  test.each([
    ['93.184.216.34', true, true],
    ['2606:2800:220:1:248:1893:25c8:1946', true, true],
    ['127.0.0.1', false, true],
    ['10.1.2.3', false, true],
    ['10.2.0.1', false, false],
    ['169.254.169.254', false, false],
    ['172.20.0.1', false, false],
    ['192.168.1.1', false, false],
    ['100.64.0.1', false, false],
    ['0.0.0.0', false, false],
    ['::1', false, false],
    ['fe80::1', false, false],
    ['fd00::1', false, false],
    ['::ffff:10.0.0.1', false, false],
    ['::ffff:127.0.0.1', false, true],
    ['::ffff:93.184.216.34', true, true],
    ['not an address', false, false],
  ])('%s: deliverable %s, with 127.0.0.0/8 and 10.1.0.0/16 allowed %s', (address, plain, allowed) => {
    expect(deliverableAddress(address)).toBe(plain);
    expect(deliverableAddress(address, loopback)).toBe(allowed);
  });

  test.each(['10.0.0.0', '10.0.0.0/33', 'example.com/8', '::1/129'])('%s is not an allowed network', (entry) => {
    expect(() => allowedNetworks(entry)).toThrow(`"${entry}" is not a network in CIDR notation`);
  });

  test.each([
    ['https://hooks.example.com/x', []],
    ['http://hooks.example.com:8080/x?y=1', []],
    ['http://localhost:3000/x', ['is a private, loopback or link-local address: webhooks only go to public addresses']],
    ['https://hooks.example.com/x#frag', ['must not have a #fragment']],
    ['javascript:alert(1)', ['must be an http or https URL']],
  ])('%s', (url, messages) => {
    expect(checkEndpoint(url).map((e) => e.message)).toEqual(messages);
    expect(checkEndpoint(url).every((e) => e.path === 'endpoint')).toBe(true);
  });
});
