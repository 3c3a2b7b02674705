import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Statuspage } from 'statuspage.io';
import { ROOT } from '../../scripts/processes.ts';
import { statuspageValidator } from '../helpers/statuspage-schema.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

const run = promisify(execFile);
// Real Statuspage responses (copied from the project's shared reference material).
const REFERENCE = join(ROOT, 'test/fixtures/statuspage');

let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let admin: ReturnType<typeof fixture.admin>;
const ids: Record<string, string> = {};
const HOSTILE_TITLE = 'Bad <script>alert(1)</script> ]]> & co \u0001\u0008 — 🔥 outage';

beforeAll(async () => {
  fixture = await createSiteFixture();
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_PAGE_NAME: 'Acme', CANDOR_PUBLIC_URL: 'https://status.acme.test' });
  admin = fixture.admin(server);
  const group = await admin('POST', '/component-groups', { name: 'Core' });
  ids.group = group.id;
  ids.api = (await admin('POST', '/components', { name: 'API', group_id: group.id, position: 1 })).id;
  ids.db = (await admin('POST', '/components', { name: 'Database', group_id: group.id, position: 2 })).id;
  ids.docs = (await admin('POST', '/components', { name: 'Docs' })).id;
  ids.resolved = (
    await admin('POST', '/incidents', {
      title: 'Slow queries',
      severity: 'SEV-2',
      body: 'Looking.',
      components: [{ id: ids.db, status: 'degraded_performance' }],
    })
  ).id;
  await admin('POST', `/incidents/${ids.resolved}/updates`, { status: 'monitoring', body: 'Fixed an index.' });
  await admin('POST', `/incidents/${ids.resolved}/updates`, { status: 'resolved', body: 'All good.' });
  ids.open = (
    await admin('POST', '/incidents', {
      title: 'API errors',
      severity: 'SEV-1',
      body: 'Investigating **5xx**.',
      components: [{ id: ids.api, status: 'major_outage' }],
    })
  ).id;
  ids.internal = (await admin('POST', '/incidents', { title: 'Internal: disk alert', severity: 'SEV-4', body: 'Internal only.' })).id;
  ids.hiddenSev3 = (await admin('POST', '/incidents', { title: 'Minor SEV-3 not for customers', severity: 'SEV-3', body: 'x' })).id;
  ids.visibleSev3 = (
    await admin('POST', '/incidents', {
      title: 'Docs search flaky',
      severity: 'SEV-3',
      customer_visible: true,
      body: 'x',
      components: [{ id: ids.docs, status: 'partial_outage' }],
    })
  ).id;
  ids.hostile = (
    await admin('POST', '/incidents', {
      title: HOSTILE_TITLE,
      severity: 'SEV-2',
      body: '<script>alert(1)</script> ]]> & <img src=x onerror=alert(1)> \u0001 emoji 🎉 [x](javascript:alert(1))',
    })
  ).id;
});

afterAll(async () => {
  await server?.stop();
  fixture?.cleanup();
});

const getJson = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return (await res.json()) as any;
};
const getText = async (path: string) => (await fetch(`${server.url}${path}`)).text();

describe('Statuspage-compatible JSON', () => {
  test('validates against the JSON Schema of a maintained Statuspage client’s types', async () => {
    const validate = statuspageValidator();
    const check = async (path: string, type: string) => {
      expect({ path, errors: validate(await getJson(path), type) }).toEqual({ path, errors: null });
    };
    await check('/api/v2/summary.json', 'Summary');
    await check('/api/v2/status.json', 'Status');
    await check('/api/v2/components.json', 'Components');
    await check('/api/v2/incidents.json', 'Incidents');
    await check('/api/v2/incidents/unresolved.json', 'Incidents');
    await check('/api/v2/scheduled-maintenances.json', 'ScheduledMaintenances');
    await check('/api/v2/scheduled-maintenances/upcoming.json', 'ScheduledMaintenances');
    await check('/api/v2/scheduled-maintenances/active.json', 'ScheduledMaintenances');
  });

  test('every field the real responses have, we have; every enum value is one of theirs', async () => {
    // Key sets per kind of object, gathered from the reference responses.
    const reference: Record<string, Set<string>> = {};
    const add = (kind: string, o: object) => {
      reference[kind] ??= new Set();
      for (const k of Object.keys(o)) reference[kind]!.add(k);
    };
    for (const file of readdirSync(REFERENCE).filter((f) => f.endsWith('.json') && !f.startsWith('statuspage_docs'))) {
      const doc = JSON.parse(readFileSync(join(REFERENCE, file), 'utf8'));
      add('page', doc.page);
      if (doc.status) add('status', doc.status);
      for (const c of doc.components ?? []) add(c.group ? 'group' : 'component', c);
      for (const i of [...(doc.incidents ?? [])]) {
        add('incident', i);
        for (const u of i.incident_updates) {
          add('update', u);
          for (const a of u.affected_components ?? []) add('affected', a);
        }
      }
    }
    const summary = await getJson('/api/v2/summary.json');
    const components = await getJson('/api/v2/components.json');
    const incidents = await getJson('/api/v2/incidents.json');
    const missing = (kind: string, o: object) => [...reference[kind]!].filter((k) => !(k in o)).map((k) => `${kind}.${k}`);
    const problems = [
      ...missing('page', summary.page),
      ...missing('status', summary.status),
      ...components.components.flatMap((c: any) => missing(c.group ? 'group' : 'component', c)),
      ...incidents.incidents.flatMap((i: any) => [
        ...missing('incident', i),
        ...i.incident_updates.flatMap((u: any) => [...missing('update', u), ...u.affected_components.flatMap((a: any) => missing('affected', a))]),
      ]),
    ];
    expect(problems).toEqual([]);

    const COMPONENT = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
    const INCIDENT = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
    const IMPACT = ['none', 'minor', 'major', 'critical'];
    for (const c of components.components) expect(COMPONENT).toContain(c.status);
    for (const i of incidents.incidents) {
      expect(INCIDENT).toContain(i.status);
      expect(IMPACT).toContain(i.impact);
      for (const u of i.incident_updates) {
        expect(INCIDENT).toContain(u.status);
        for (const a of u.affected_components) {
          expect(COMPONENT).toContain(a.old_status);
          expect(COMPONENT).toContain(a.new_status);
        }
      }
    }
    expect(['none', 'minor', 'major', 'critical', 'maintenance']).toContain(summary.status.indicator);
    expect(summary.status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
  });

  test('the data is right: groups with children, unresolved incidents, updates newest first, our extras apart', async () => {
    const summary = await getJson('/api/v2/summary.json');
    expect(summary.page).toMatchObject({ name: 'Acme', url: 'https://status.acme.test', time_zone: 'Etc/UTC', id: expect.stringMatching(/^[a-z0-9]{12}$/) });
    expect(summary.page.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(summary.components.map((c: any) => [c.name, c.group, c.status])).toEqual([
      ['Core', true, 'major_outage'],
      ['API', false, 'major_outage'],
      ['Database', false, 'operational'],
      ['Docs', false, 'partial_outage'],
    ]);
    expect(summary.components[0].components).toEqual([ids.api, ids.db]);
    expect(summary.components[1].group_id).toBe(ids.group);
    expect(summary.incidents.map((i: any) => i.name).sort()).toEqual(['API errors', 'Docs search flaky', HOSTILE_TITLE].sort());
    expect(summary.scheduled_maintenances).toEqual([]);

    const open = summary.incidents.find((i: any) => i.id === ids.open);
    expect(open).toMatchObject({
      status: 'investigating',
      impact: 'critical',
      shortlink: `https://status.acme.test/incidents/${ids.open}`,
      monitoring_at: null,
      resolved_at: null,
      candor: { severity: 'SEV-1', next_update_due_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
      components: [expect.objectContaining({ id: ids.api, name: 'API', status: 'major_outage' })],
    });
    expect(open.incident_updates[0]).toMatchObject({
      status: 'investigating',
      body: 'Investigating **5xx**.',
      affected_components: [{ code: ids.api, name: 'API', old_status: 'operational', new_status: 'major_outage' }],
      custom_tweet: null,
      tweet_id: null,
    });

    const all = await getJson('/api/v2/incidents.json');
    const resolved = all.incidents.find((i: any) => i.id === ids.resolved);
    expect(resolved.incident_updates.map((u: any) => u.status)).toEqual(['resolved', 'monitoring', 'investigating']);
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.monitoring_at).not.toBeNull();
    const unresolved = await getJson('/api/v2/incidents/unresolved.json');
    expect(unresolved.incidents.map((i: any) => i.id)).not.toContain(ids.resolved);
  });

  test('SEV-4 never appears; SEV-3 only when customer-visible', async () => {
    const everything = [
      ...(await Promise.all(['/api/v2/summary.json', '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json'].map(getText))),
      await getText('/history.atom'),
      await getText('/history.rss'),
    ].join('\n');
    expect(everything).not.toContain('Internal: disk alert');
    expect(everything).not.toContain(ids.internal);
    expect(everything).not.toContain('Minor SEV-3 not for customers');
    expect(everything).toContain('Docs search flaky');
  });

  test('a real third-party Statuspage client reads every endpoint', async () => {
    const client = new Statuspage('acme');
    client.setApiUrl(server.url);
    const summary = await client.api.getSummary();
    expect(summary.status.description).toBe('Major Service Outage');
    expect(summary.components.find((c) => c.id === ids.api)?.status).toBe('major_outage');
    expect((await client.api.getStatus()).status.indicator).toBe('critical');
    expect((await client.api.getComponents()).components).toHaveLength(4);
    const all = await client.api.incidents.getAll();
    expect(all.incidents.map((i) => i.name)).toContain('Slow queries');
    const unresolved = await client.api.incidents.getUnresolved();
    expect(unresolved.incidents.map((i) => i.id)).toContain(ids.open);
    expect(unresolved.incidents.map((i) => i.id)).not.toContain(ids.resolved);
    const maintenances = await client.api.scheduledMaintenances.getAll();
    expect(maintenances.scheduled_maintenances).toEqual([]);
  });

  test('CORS: open to any origin, preflight answered', async () => {
    const res = await fetch(`${server.url}/api/v2/summary.json`, {
      method: 'OPTIONS',
      headers: { origin: 'https://widget.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
  });

  test('ETag and 304 on the JSON too', async () => {
    const first = await fetch(`${server.url}/api/v2/status.json`);
    const etag = first.headers.get('etag')!;
    expect((await fetch(`${server.url}/api/v2/status.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  test.each([
    ['GET', '/api/v2/incidents/nosuch.json', '*'],
    ['GET', '/api/v2', null],
    ['POST', '/api/v2/summary.json', '*'],
    ['GET', '/api/v3/summary.json', null],
  ])('%s %s: a JSON 404 naming the route, not the HTML page', async (method, path, cors) => {
    const res = await fetch(`${server.url}${path}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('access-control-allow-origin')).toBe(cors);
    expect(await res.json()).toMatchObject({ code: 'not_found', detail: `No API route ${method} ${path}` });
  });
});

describe('feeds', () => {
  test('Atom validates against RFC 4287’s RELAX NG schema, with hostile text intact and escaped', async () => {
    const res = await fetch(`${server.url}/history.atom`);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    const file = join(tmpdir(), `candor-${process.pid}.atom`);
    writeFileSync(file, xml);
    await run('jing', ['-c', join(ROOT, 'test/fixtures/atom.rnc'), file]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = new XMLParser({ ignoreAttributes: false, cdataPropName: false as never }).parse(xml).feed;
    expect(feed.link).toContainEqual({ '@_rel': 'self', '@_href': 'https://status.acme.test/history.atom' });
    expect(feed.author.name).toBe('Acme');
    const entries = feed.entry as any[];
    const hostile = entries.find((e) => e.id === `https://status.acme.test/incidents/${ids.hostile}`);
    // The title is HTML-escaped text (type="html"): a reader shows the characters, never runs them.
    expect(hostile.title['#text']).toBe('Bad &lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; co  — 🔥 outage (Investigating)'); // control characters dropped
    expect(hostile.content['#text']).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile.content['#text']).not.toContain('<script>');
    expect(hostile.content['#text']).not.toMatch(/href="javascript:/i); // left as inert text, never a link
    expect(entries.map((e) => e.id)).not.toContain(`https://status.acme.test/incidents/${ids.internal}`);
    // Newest change first.
    const updated = entries.map((e) => Date.parse(e.updated));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    expect(Date.parse(feed.updated)).toBe(updated[0]);
  });

  test('RSS 2.0 is well-formed and parses strictly', async () => {
    const res = await fetch(`${server.url}/history.rss`);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const rss = new XMLParser({ ignoreAttributes: false }).parse(xml).rss;
    expect(rss['@_version']).toBe('2.0');
    const items = rss.channel.item as any[];
    expect(items.map((i) => i.link)).toContain(`https://status.acme.test/incidents/${ids.open}`);
    expect(items.find((i) => i.link.endsWith(ids.hostile)).title).toContain('🔥');
    for (const item of items) expect(Number.isNaN(Date.parse(item.pubDate))).toBe(false);
    // Summaries are plain words, not markdown.
    expect(items.find((i) => i.link.endsWith(ids.open)).description).toBe('Investigating 5xx.');
    for (const item of items) expect(String(item.description)).not.toContain('**');
  });

  test('?component=ID keeps the incidents touching that component', async () => {
    const xml = await getText(`/history.atom?component=${ids.db}`);
    const entries = [new XMLParser().parse(xml).feed.entry].flat();
    expect(entries.map((e: any) => e.id)).toEqual([`https://status.acme.test/incidents/${ids.resolved}`]);
    const rss = await getText(`/history.rss?component=${ids.db}`);
    expect(rss).toContain(ids.resolved);
    expect(rss).not.toContain(ids.open);
    // Its title names the component; an id that names none is a 404, not an empty feed.
    expect(new XMLParser().parse(xml).feed.title).toMatch(/: Database incident history$/);
    for (const bad of ['nosuchcomponent1', 'NOT-AN-ID', '']) {
      const res = await fetch(`${server.url}/history.atom?component=${bad}`);
      expect(res.status).toBe(404);
    }
  });
});

test('an update posted through the admin API shows in summary.json and both feeds within 1 s; the entry id stays', async () => {
  await Promise.all(['/api/v2/summary.json', '/history.atom', '/history.rss'].map(getText));
  const before = new XMLParser().parse(await getText('/history.atom')).feed.entry.find((e: any) => e.id.endsWith(ids.open));
  await admin('POST', `/incidents/${ids.open}/updates`, { status: 'identified', body: 'Found a bad deploy; rolling back.' });
  await within(1000, async () => {
    const bodies = await Promise.all(['/api/v2/summary.json', '/history.atom', '/history.rss'].map(getText));
    return bodies.every((t) => t.includes('Found a bad deploy; rolling back.'));
  });
  const after = new XMLParser().parse(await getText('/history.atom')).feed.entry.find((e: any) => e.id.endsWith(ids.open));
  expect(after.id).toBe(before.id);
  expect(Date.parse(after.updated)).toBeGreaterThan(Date.parse(before.updated));
});

describe('badges and the embed', () => {
  test('the overall badge is an SVG with its words as its accessible name, cached briefly with an ETag', async () => {
    const res = await fetch(`${server.url}/badge.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d{1,2}\b/);
    const svg = await res.text();
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg);
    expect(XMLValidator.validate(svg)).toBe(true);
    // A SEV-1 holds the API at major outage: the page's status is a major service outage.
    expect(parsed.svg.title).toBe('status: major service outage');
    expect(parsed.svg['@_role']).toBe('img');
    expect(parsed.svg['@_aria-label']).toBe('status: major service outage');
    expect(svg).toContain('fill="#cf222e"');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${server.url}/badge.svg`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const square = await (await fetch(`${server.url}/badge.svg?style=flat-square`)).text();
    expect(square).toContain('rx="0"');
    expect(svg).toContain('rx="3"');
  });

  test("a component's badge names it and its status; an unknown id is a 404; the name is escaped", async () => {
    const docs = await (await fetch(`${server.url}/components/${ids.docs}/badge.svg`)).text();
    expect(new XMLParser().parse(docs).svg.title).toBe('Docs: partial outage');
    expect(docs).toContain('fill="#bc4c00"');
    expect((await fetch(`${server.url}/components/nosuchcomponent/badge.svg`)).status).toBe(404);
    const odd = (await admin('POST', '/components', { name: 'A <b> & "c"' })).id;
    const svg = await (await fetch(`${server.url}/components/${odd}/badge.svg`)).text();
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('A &lt;b&gt; &amp; &quot;c&quot;: operational');
    await admin('DELETE', `/components/${odd}`);
  });

  test('the embed is a small framable page with no script, linking to the page', async () => {
    const res = await fetch(`${server.url}/embed`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
    expect(html).not.toContain('<script');
    expect(html).toContain('<a href="https://status.acme.test/" target="_blank" rel="noopener">');
    expect(html).toContain('<span>Major Service Outage</span>');
    expect(Buffer.byteLength(html)).toBeLessThan(2048);
  });
});
