import { describe, expect, it } from 'vitest';
import { actors, createDemo, type Demo } from '../../examples/console/demo.js';
import { createConsole, type ConsoleHandler } from '../../src/console/index.js';
import { createEngine, type InMemoryStorage } from '../../src/index.js';

/**
 * The console's API, endpoint by endpoint, as a seller (Anna), a manager (Maria) and nobody: each
 * allowed, refused with the engine's 403 FORBIDDEN, or 401. The demo's data: D-1 and D-4 are
 * Anna's (D-4 has Maria's pending approval-1), D-2 is Boris's, D-3 is Anna's in negotiation; the
 * one dead letter is Boris's (on D-2); each seller has open tasks. `{dead}`, `{annaTask}` and
 * `{borisTask}` in a path stand for those ids.
 */
type Who = 'seller' | 'manager' | 'none';
const ACTOR = { seller: actors.anna!, manager: actors.maria!, none: null };

async function setup(): Promise<{ demo: Demo; handler: ConsoleHandler }> {
  const demo = await createDemo();
  const handler = createConsole({
    engine: demo.engine,
    actor: (request) => ACTOR[(request.headers.get('x-test-as') ?? 'none') as Who] ?? null,
    switchUser: { users: ['anna', 'boris', 'maria'] },
  });
  return { demo, handler };
}

const ORIGIN = 'http://console.test';

function request(who: Who, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Request {
  const h: Record<string, string> = { 'x-test-as': who, ...headers };
  if (method === 'POST')
    Object.assign(h, { 'content-type': 'application/json', 'x-dealflow-console': '1', origin: ORIGIN, 'sec-fetch-site': 'same-origin' }, headers);
  return new Request(`${ORIGIN}/api/${path}`, { method, headers: h, ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
}

async function call(handler: ConsoleHandler, who: Who, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await handler(request(who, method, path, body));
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as any };
}

/** Everything a request could change in the demo's store. */
function state(demo: Demo): string {
  const s = demo.engine.storage as InMemoryStorage;
  return JSON.stringify({
    deals: [...s.deals.entries()],
    jobs: [...s.jobs.keys()],
    log: s.log.length,
    outbox: [...s.outbox.values()],
    records: [...s.records.entries()].map(([k, m]) => [k, [...m.entries()]]),
  });
}

type Case = { name: string; method: 'GET' | 'POST'; path: string; body?: unknown; seller: number; manager: number };

/** Each endpoint with what a seller and a manager get (nobody always gets 401). */
const CASES: Case[] = [
  { name: 'session', method: 'GET', path: 'session', seller: 200, manager: 200 },
  { name: 'switch user', method: 'POST', path: 'session', body: { userId: 'boris' }, seller: 200, manager: 200 },
  { name: 'board', method: 'GET', path: 'board', seller: 200, manager: 200 },
  { name: 'new deal (own)', method: 'POST', path: 'deals', body: { title: 'Neue Kanzlei — Web shop', amount: 900 }, seller: 200, manager: 200 },
  { name: 'new deal for Boris', method: 'POST', path: 'deals', body: { title: 'For Boris', ownerId: 'boris' }, seller: 403, manager: 200 },
  { name: 'own deal', method: 'GET', path: 'deals/D-1', seller: 200, manager: 200 },
  { name: 'Boris’s deal', method: 'GET', path: 'deals/D-2', seller: 403, manager: 200 },
  { name: 'explain own deal', method: 'GET', path: 'deals/D-1/explain', seller: 200, manager: 200 },
  { name: 'explain Boris’s deal', method: 'GET', path: 'deals/D-2/explain', seller: 403, manager: 200 },
  { name: 'move forward', method: 'POST', path: 'deals/D-1/move', body: { stageId: 'processing' }, seller: 200, manager: 200 },
  { name: 'move back', method: 'POST', path: 'deals/D-3/move', body: { stageId: 'proposal' }, seller: 403, manager: 200 },
  { name: 'move Boris’s deal', method: 'POST', path: 'deals/D-2/move', body: { stageId: 'processing' }, seller: 403, manager: 200 },
  { name: 'mark exception', method: 'POST', path: 'deals/D-1/exception', body: { flag: 'complex', reason: 'special-warranty' }, seller: 200, manager: 200 },
  {
    name: 'mark exception on Boris’s',
    method: 'POST',
    path: 'deals/D-2/exception',
    body: { flag: 'complex', reason: 'special-warranty' },
    seller: 403,
    manager: 200,
  },
  { name: 'approvals', method: 'GET', path: 'approvals', seller: 200, manager: 200 },
  { name: 'decide approval', method: 'POST', path: 'approvals/approval-1/decide', body: { decision: 'approve' }, seller: 403, manager: 200 },
  { name: 'complete own task', method: 'POST', path: 'tasks/{annaTask}/complete', seller: 200, manager: 200 },
  { name: 'complete Boris’s task', method: 'POST', path: 'tasks/{borisTask}/complete', seller: 403, manager: 200 },
  { name: 'operations', method: 'GET', path: 'operations', seller: 200, manager: 200 },
  { name: 'retry Boris’s dead letter', method: 'POST', path: 'outbox/{dead}/retry', seller: 403, manager: 200 },
  { name: 'discard Boris’s dead letter', method: 'POST', path: 'outbox/{dead}/discard', seller: 403, manager: 200 },
  { name: 'clock', method: 'POST', path: 'clock/advance', body: { hours: 1 }, seller: 200, manager: 200 },
  { name: 'report list', method: 'GET', path: 'reports', seller: 200, manager: 200 },
  { name: 'funnel report', method: 'GET', path: 'reports/funnel', seller: 200, manager: 200 },
  { name: 'funnel report as CSV', method: 'GET', path: 'reports/funnel.csv', seller: 200, manager: 200 },
  { name: 'the rules', method: 'GET', path: 'rules', seller: 200, manager: 200 },
  { name: 'a rule’s versions', method: 'GET', path: 'rules/new-deal/versions', seller: 200, manager: 200 },
  { name: 'check rules', method: 'POST', path: 'rules/check', body: { rules: [] }, seller: 200, manager: 200 },
  { name: 'activate rules', method: 'POST', path: 'rules/activate', body: { rules: [] }, seller: 403, manager: 403 },
];

describe('every endpoint × role', () => {
  it.each(CASES)('$method $path ($name): seller $seller, manager $manager, nobody 401', async (c) => {
    for (const who of ['seller', 'manager', 'none'] as const) {
      const { demo, handler } = await setup();
      const ids: Record<string, string> = {
        dead: (await demo.engine.deadLetters())[0]!.id,
        annaTask: (await demo.engine.tasks({ userId: 'anna', status: 'open' }))[0]!.id,
        borisTask: (await demo.engine.tasks({ userId: 'boris', status: 'open' }))[0]!.id,
      };
      const before = state(demo);
      const res = await call(
        handler,
        who,
        c.method,
        c.path.replace(/\{(\w+)\}/g, (_, k: string) => ids[k]!),
        c.body,
      );
      const expected = who === 'none' ? 401 : c[who];
      expect(res.status, `${who}: ${JSON.stringify(res.body)}`).toBe(expected);
      if (expected === 401) expect(res.body.error.code).toBe('UNAUTHENTICATED');
      if (expected === 403) expect(res.body.error.code).toBe('FORBIDDEN');
      // A refusal changes nothing.
      if (expected !== 200 || c.method === 'GET') expect(state(demo), `${who}'s ${expected} changed the store`).toBe(before);
    }
  });
});

describe('what each role sees', () => {
  it('a seller’s board, counts and amounts cover her deals only; the manager’s everyone’s, with an owner filter', async () => {
    const { handler } = await setup();
    const anna = (await call(handler, 'seller', 'GET', 'board')).body;
    const cards = anna.columns.flatMap((c: any) => c.cards);
    expect(cards.length).toBeGreaterThan(5);
    expect(new Set(cards.map((c: any) => c.ownerId))).toEqual(new Set(['anna']));
    expect(anna.owners.map((o: any) => o.id)).toEqual(['anna']);
    for (const col of anna.columns) expect(col.count).toBe(col.cards.length);
    expect(anna.columns[0].kind).toBe('inbox');
    const maria = (await call(handler, 'manager', 'GET', 'board')).body;
    expect(maria.owners.map((o: any) => o.id)).toEqual(['anna', 'boris']);
    const total = maria.columns.reduce((n: number, c: any) => n + c.count, 0);
    const borisOnly = (await call(handler, 'manager', 'GET', 'board?owner=boris')).body;
    const boris = borisOnly.columns.reduce((n: number, c: any) => n + c.count, 0);
    expect(boris + cards.length).toBe(total);
    expect(borisOnly.columns.flatMap((c: any) => c.cards).every((c: any) => c.ownerId === 'boris')).toBe(true);
  });

  it('the operations page: a seller sees her messages only, and no retry on others’; the manager may retry Boris’s dead letter', async () => {
    const { handler } = await setup();
    const anna = (await call(handler, 'seller', 'GET', 'operations')).body;
    expect(anna.outbox.dead).toEqual([]);
    expect(anna.outbox.delivered.every((m: any) => m.recipient === 'Anna Berg (sales)' || m.recipient === 'Maria Vogt (head of sales)')).toBe(true);
    const maria = (await call(handler, 'manager', 'GET', 'operations')).body;
    expect(maria.outbox.dead.map((m: any) => [m.dealId, m.recipient, m.canManage])).toEqual([['D-2', 'Boris Lang (sales)', true]]);
    expect(maria.runner).toBeNull();
    expect(maria.clock.control).toBe(true);
  });

  it('the operations page shows the counters of the runner the host passes', async () => {
    const { demo } = await setup();
    const stats = { jobsRun: 7, jobsFailed: 1, jobsSkipped: 0, delivered: 5, deliveriesFailed: 2, deliveriesSkipped: 0, errors: 0 };
    const handler = createConsole({ engine: demo.engine, actor: () => actors.maria!, runner: { stats } });
    expect((await call(handler, 'manager', 'GET', 'operations')).body.runner).toEqual(stats);
  });

  it('approve / reject are offered to the approver only; the requester sees the request without them', async () => {
    const { handler } = await setup();
    const offered = async (who: Who) => (await call(handler, who, 'GET', 'deals/D-4')).body.approvals.map((a: any) => [a.id, a.status, a.canDecide]);
    expect(await offered('seller')).toEqual([['approval-1', 'pending', false]]);
    expect(await offered('manager')).toEqual([['approval-1', 'pending', true]]);
  });

  it('the deal’s history is in words: created, moved, the deadline started, notifications delivered', async () => {
    const { handler } = await setup();
    const texts = (await call(handler, 'seller', 'GET', 'deals/D-1')).body.timeline.map((t: any) => t.text);
    expect(texts).toContain('Created in Unsorted, owner Anna Berg (sales)');
    expect(texts).toContain('Moved from Unsorted to New deal');
    expect(texts).toContain('Deadline “taken-into-work” started: due Mon 16 Mar 11:10');
    expect(texts).toContain('Notification delivered to Anna Berg (sales)');
  });

  it('the clock control moves a fake clock and runs what came due on the way; a real clock has none', async () => {
    const { demo, handler } = await setup();
    const before = demo.engine.clock.now().getTime();
    const moved = (await call(handler, 'seller', 'POST', 'clock/advance', { days: 1 })).body;
    expect(Date.parse(moved.now) - before).toBe(24 * 3_600_000);
    expect((await demo.engine.dueJobs()).length).toBe(0);
    const next = (await call(handler, 'seller', 'POST', 'clock/advance', { next: true })).body;
    expect(Date.parse(next.now)).toBeGreaterThan(Date.parse(moved.now));
    expect((await call(handler, 'seller', 'POST', 'clock/advance', { years: 1 })).status).toBe(400);
    const real = createConsole({ engine: createEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'a', name: 'A' }] }] }), actor: () => actors.anna! });
    expect((await call(real, 'seller', 'GET', 'session')).body.clock.control).toBe(false);
    expect((await call(real, 'seller', 'POST', 'clock/advance', { hours: 1 })).status).toBe(404);
  });
});

describe('reports', () => {
  it('each report answers with its charts, scoped: a seller’s figures are her deals’, the manager’s everyone’s', async () => {
    const { demo, handler } = await setup();
    for (const name of ['funnel', 'slaCompliance', 'exceptions', 'flagShare', 'timeInStage', 'stale', 'velocity']) {
      const maria = (await call(handler, 'manager', 'GET', `reports/${name}`)).body;
      expect(maria.charts.length, name).toBeGreaterThan(0);
      for (const chart of maria.charts) for (const s of chart.series) expect(s.values.length, `${name} ${chart.id}`).toBe(chart.x.length);
    }
    const anna = (await call(handler, 'seller', 'GET', 'reports/funnel')).body;
    const maria = (await call(handler, 'manager', 'GET', 'reports/funnel')).body;
    const entered = (view: any) => view.charts.find((c: any) => c.id === 'funnel').series[0].values;
    const hers = await demo.engine.report('funnel', { filter: { pipelineId: 'funnel' }, actor: actors.anna! });
    const all = await demo.engine.report('funnel', { filter: { pipelineId: 'funnel' } });
    expect(entered(anna)).toEqual(hers.rows.map((r) => r.entered));
    expect(entered(maria)).toEqual(all.rows.map((r) => r.entered));
    expect(anna.owners.map((o: any) => o.id)).toEqual(['anna']);
    expect(maria.owners.map((o: any) => o.id)).toEqual(['anna', 'boris']);
    // Asking for Boris's deals gives a seller nothing: the engine scopes first.
    const borisAsAnna = (await call(handler, 'seller', 'GET', 'reports/flagShare?owner=boris')).body;
    expect(borisAsAnna.rows).toEqual([]);
    const borisAsMaria = (await call(handler, 'manager', 'GET', 'reports/flagShare?owner=boris')).body;
    expect(borisAsMaria.rows.map((r: any) => r.group)).toEqual(['boris']);
  });

  it('the period is whole local days; a bad date or a period backwards is 400', async () => {
    const { demo, handler } = await setup();
    const week = (await call(handler, 'manager', 'GET', 'reports/funnel?from=2026-03-09&to=2026-03-13')).body;
    const expected = await demo.engine.report('funnel', {
      filter: { pipelineId: 'funnel' },
      // Berlin is UTC+1 in March 2026 (summer time starts on the 29th).
      period: { from: '2026-03-08T23:00:00.000Z', to: '2026-03-13T23:00:00.000Z' },
    });
    expect(week.filter).toEqual({ pipelineId: 'funnel', from: '2026-03-09', to: '2026-03-13', owner: null });
    expect(week.rows).toEqual(expected.rows);
    expect(week.rows.reduce((n: number, r: any) => n + r.entered, 0)).toBeLessThan(
      (await call(handler, 'manager', 'GET', 'reports/funnel')).body.rows.reduce((n: number, r: any) => n + r.entered, 0),
    );
    for (const q of ['from=9.3.2026', 'from=2026-03-10&to=2026-03-09', 'idle=0'])
      expect((await call(handler, 'manager', 'GET', `reports/${q.startsWith('idle') ? 'stale' : 'funnel'}?${q}`)).status, q).toBe(400);
    expect((await call(handler, 'manager', 'GET', 'reports/nothing')).status).toBe(404);
  });

  it('SLA runs met and missed over time add up to the report’s table', async () => {
    const { handler } = await setup();
    const view = (await call(handler, 'manager', 'GET', 'reports/slaCompliance')).body;
    const [met, missed] = view.charts.find((c: any) => c.id === 'sla-over-time').series;
    const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);
    expect(sum(met.values)).toBe(sum(view.rows.map((r: any) => r.met)));
    expect(sum(missed.values)).toBe(sum(view.rows.map((r: any) => r.breached)));
    expect(sum(met.values)).toBeGreaterThan(0);
  });

  it('a report downloads as CSV: the table’s raw values, as an attachment', async () => {
    const { demo, handler } = await setup();
    const res = await handler(request('seller', 'GET', 'reports/funnel.csv?to=2026-03-16'));
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="funnel-funnel-2026-03-16.csv"');
    const { toCsv } = await import('../../src/reports/index.js');
    const report = await demo.engine.report('funnel', {
      filter: { pipelineId: 'funnel' },
      period: { to: '2026-03-16T23:00:00.000Z' },
      actor: actors.anna!,
    });
    expect(await res.text()).toBe(toCsv(report));
  });
});

describe('requests that must be refused', () => {
  it('a cross-site request is refused before anything is done (Origin, Sec-Fetch-Site, or no console header)', async () => {
    const { demo, handler } = await setup();
    const before = state(demo);
    const move = (headers: Record<string, string>) => handler(request('seller', 'POST', 'deals/D-1/move', { stageId: 'processing' }, headers));
    const attempts: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: '' },
      { 'sec-fetch-site': 'same-site' },
      { 'x-dealflow-console': '' },
    ];
    for (const headers of attempts) {
      const res = await move(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(((await res.json()) as any).error.code).toBe('CROSS_SITE');
    }
    expect(state(demo)).toBe(before);
    // The host may allow a proxy's public origin.
    const proxied = createConsole({ engine: demo.engine, actor: () => actors.anna!, allowedOrigins: ['https://crm.example'] });
    const ok = await proxied(
      request('seller', 'POST', 'deals/D-1/move', { stageId: 'processing' }, { origin: 'https://crm.example', 'sec-fetch-site': 'cross-site' }),
    );
    expect(ok.status).toBe(200);
  });

  it('an oversize body is refused (413), whether its length is declared or streamed', async () => {
    const { demo, handler } = await setup();
    const before = state(demo);
    const big = JSON.stringify({ title: 'x'.repeat(20_000) });
    const declared = await handler(request('seller', 'POST', 'deals', undefined, { 'content-length': String(big.length) }));
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await handler(
      new Request(`${ORIGIN}/api/deals`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { 'x-test-as': 'seller', 'content-type': 'application/json', 'x-dealflow-console': '1', origin: ORIGIN },
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as any).error.code).toBe('TOO_LARGE');
    expect(state(demo)).toBe(before);
  });

  it('only JSON changes state: another media type is 415, broken JSON and bad fields are 400 INVALID_INPUT with paths', async () => {
    const { demo, handler } = await setup();
    const before = state(demo);
    const form = await handler(request('seller', 'POST', 'deals/D-1/move', undefined, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(form.status).toBe(415);
    const broken = await handler(
      new Request(`${ORIGIN}/api/deals`, {
        method: 'POST',
        body: '{"title":',
        headers: { 'x-test-as': 'seller', 'content-type': 'application/json', 'x-dealflow-console': '1' },
      }),
    );
    expect(broken.status).toBe(400);
    const bad = await call(handler, 'seller', 'POST', 'deals', { title: '', amount: -1, extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    // An unknown key is located at the key itself (issue 17: where an editor or a form underlines it).
    expect(bad.body.error.details.issues.map((i: any) => i.path).sort()).toEqual(['$.amount', '$.extra', '$.title']);
    expect(state(demo)).toBe(before);
  });

  it('wrong methods, unknown endpoints and paths outside basePath', async () => {
    const { demo } = await setup();
    const handler = createConsole({ engine: demo.engine, actor: () => actors.anna!, basePath: '/console/' });
    const at = (path: string, method = 'GET') => handler(new Request(`${ORIGIN}${path}`, { method }));
    expect((await at('/console/api/deals/D-1/move')).status).toBe(405);
    expect((await at('/console/api/nothing')).status).toBe(404);
    expect((await at('/api/session')).status).toBe(404);
    expect((await at('/console/api/session')).status).toBe(200);
    expect((await at('/console/deals/D-1', 'POST')).status).toBe(405);
  });

  it('the page: the app shell on every page path, its assets by content hash, strict headers', async () => {
    const { demo } = await setup();
    const handler = createConsole({ engine: demo.engine, actor: () => null, basePath: '/console' });
    const page = await handler(new Request(`${ORIGIN}/console/deals/D-1`));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('<meta name="dealflow-console-base" content="/console">');
    const js = /src="([^"]+\.js)"/.exec(html)![1]!;
    const css = /href="([^"]+\.css)"/.exec(html)![1]!;
    const script = await handler(new Request(`${ORIGIN}${js}`, { headers: { 'accept-encoding': 'gzip' } }));
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('content-encoding')).toBe('gzip');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await handler(new Request(`${ORIGIN}${css}`))).headers.get('content-type')).toContain('text/css');
    expect((await handler(new Request(`${ORIGIN}/console/assets/other.js`))).status).toBe(404);
  });

  it('a failure inside the host is a 500 that says nothing of it', async () => {
    const { demo } = await setup();
    const handler = createConsole({
      engine: demo.engine,
      actor: () => {
        throw new Error('secret connection string');
      },
    });
    const res = await handler(new Request(`${ORIGIN}/api/session`));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
  });

  it('bad options are INVALID_CONFIG', () => {
    expect(() => createConsole({ actor: () => null } as never)).toThrow(/engine/);
    expect(() =>
      createConsole({ engine: createEngine({ pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'a', name: 'A' }] }] }), actor: 'anna' } as never),
    ).toThrow(/actor/);
  });
});
