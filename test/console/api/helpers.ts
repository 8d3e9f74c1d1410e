import { actors, createDemo, type Demo } from '../../../examples/console/demo.js';
import { type ConsoleHandler, createConsole } from '../../../src/console/index.js';

/** The demo's people by role: Anna sells, Maria heads sales, Olga runs sales ops (an admin); nobody is no one. */
export type Who = 'seller' | 'manager' | 'admin' | 'none';
export const ACTOR = { seller: actors.anna!, manager: actors.maria!, admin: actors.olga!, none: null };

const ORIGIN = 'http://console.test';

/** A fresh demo and a console over it whose user is the `x-test-as` header's role. */
export async function setup(options: { maxRulesBytes?: number } = {}): Promise<{ demo: Demo; handler: ConsoleHandler }> {
  const demo = await createDemo();
  const handler = createConsole({
    engine: demo.engine,
    actor: (request) => ACTOR[(request.headers.get('x-test-as') ?? 'none') as Who] ?? null,
    ...options,
  });
  return { demo, handler };
}

/** A same-origin API request as the console's page sends it. */
export function request(who: Who, method: 'GET' | 'POST', path: string, body?: unknown): Request {
  const headers: Record<string, string> = { 'x-test-as': who };
  if (method === 'POST')
    Object.assign(headers, { 'content-type': 'application/json', 'x-dealflow-console': '1', origin: ORIGIN, 'sec-fetch-site': 'same-origin' });
  return new Request(`${ORIGIN}/api/${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body ?? {}) } : {}),
  });
}

/** Calls the API and parses its JSON answer. */
export async function call(handler: ConsoleHandler, who: Who, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await handler(request(who, method, path, body));
  return { status: res.status, body: (await res.json()) as any };
}
