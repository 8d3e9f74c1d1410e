import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createConsole, nodeListener } from '../../src/console/index.js';
import { createEngine } from '../../src/index.js';

/** The two mountings docs/console.md shows: Node's http server (nodeListener) and Hono, under /console. */
function consoleAt(basePath: string) {
  const engine = createEngine({ pipelines: [{ id: 'sales', name: 'Sales', stages: [{ id: 'new', name: 'New' }] }] });
  return createConsole({ engine, basePath, actor: (r) => (r.headers.get('x-user') ? { id: r.headers.get('x-user')!, roles: ['seller'] } : null) });
}

describe('mounting the console', () => {
  it('in Node’s http server: pages, API, a POST body streamed through, HEAD', async () => {
    const handler = consoleAt('/console');
    const server = createServer((req, res) => {
      if (req.url === '/console' || req.url?.startsWith('/console/')) return nodeListener(handler)(req, res);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${origin}/console/`)).headers.get('content-type')).toContain('text/html');
      expect((await fetch(`${origin}/console/api/session`)).status).toBe(401);
      const session = (await (await fetch(`${origin}/console/api/session`, { headers: { 'x-user': 'anna' } })).json()) as { user: { id: string } };
      expect(session.user.id).toBe('anna');
      const created = await fetch(`${origin}/console/api/deals`, {
        method: 'POST',
        headers: { 'x-user': 'anna', 'content-type': 'application/json', 'x-dealflow-console': '1', origin },
        body: JSON.stringify({ title: 'Through http' }),
      });
      expect(created.status).toBe(200);
      const head = await fetch(`${origin}/console/api/board`, { method: 'HEAD', headers: { 'x-user': 'anna' } });
      expect(head.status).toBe(200);
      expect((await fetch(`${origin}/other`)).status).toBe(404);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('in Hono: the raw request is handed over as it is', async () => {
    const handler = consoleAt('/console');
    const app = new Hono();
    app.all('/console', (c) => handler(c.req.raw));
    app.all('/console/*', (c) => handler(c.req.raw));
    expect((await app.request('/console')).status).toBe(200);
    const board = await app.request('/console/api/board', { headers: { 'x-user': 'anna' } });
    expect(((await board.json()) as { pipelineId: string }).pipelineId).toBe('sales');
    expect((await app.request('/console/api/board')).status).toBe(401);
  });
});
