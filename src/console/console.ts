import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Engine } from '../engine/engine.js';
import { DealflowError } from '../model/errors.js';
import type { Actor } from '../ports/access.js';
import type { RunnerStats } from '../runner/index.js';
import type { SimulationEngineConfig } from '../simulation/simulate.js';
import { advanceClock } from './api/clock.js';
import { createDeal, getBoard, moveDeal } from './api/board.js';
import { completeTask, decideApproval, explainDeal, getDeal, listApprovals, markException } from './api/deal.js';
import { discardDeadLetter, getOperations, retryDeadLetter } from './api/operations.js';
import { cancelDryRun, getDryRun, startDryRun } from './api/dry-run.js';
import { getReport, getReportCsv, listReports } from './api/reports.js';
import { activateRules, checkRulesApi, getRules, getRuleVersions } from './api/rules.js';
import { getSession, switchUser } from './api/session.js';
import { uiAssets } from './assets.js';
import type { UiAssets } from './ui-assets.js';
import { type ApiContext, type ConsoleSettings, People, type SettableClock } from './context.js';
import { DryRuns } from './dry-run/runs.js';
import { checkSameOrigin, ConsoleError, contentSecurityPolicy, errorResponse, json, readJson, SECURITY_HEADERS } from './http.js';
import { describeValue } from '../model/input.js';

/** The default cookie the demo user switch sets (see `switchedUserId`). */
export const DEFAULT_SWITCH_COOKIE = 'dealflow-console-user';

/** What `createConsole` takes. */
export interface ConsoleOptions {
  /** The engine every call goes through, with the request's actor. */
  engine: Engine;
  /** Who is asking: the host's signed-in user as an Actor, or null (the API then answers 401). */
  actor: (request: Request) => Actor | null | undefined | Promise<Actor | null | undefined>;
  /** Where the host mounts the console: `/console` serves `/console/`, `/console/api/…`. Default: the root. */
  basePath?: string;
  /** The largest request body the API reads, in bytes; bigger is 413. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Origins besides the request's own that may send state-changing requests (a proxy's public origin). */
  allowedOrigins?: ReadonlyArray<string>;
  /** A runner whose counters the operations page shows. */
  runner?: { readonly stats: RunnerStats };
  /**
   * The clock control (advance an hour, a day, to the next due job). Default: on when the engine's
   * clock can be set (a FakeClock: demos and tests), never on a real clock.
   */
  clockControl?: boolean;
  /**
   * For demos and tests only: the user ids the header may switch between. Switching sets a
   * cookie (`cookie`, default `dealflow-console-user`) that the host's `actor` function reads
   * with `switchedUserId(request)`. Anyone may pick anyone: never use it where users sign in.
   */
  switchUser?: { users: ReadonlyArray<string>; cookie?: string };
  /** The largest rule set the rules page may send (check, dry run, activate), in bytes; bigger is 413. Default 1 MiB. */
  maxRulesBytes?: number;
  /**
   * Dry runs of edited rules (the rules page). Each runs in a worker thread with the engine's
   * settings that are data (`engine.config`: SLAs, playbooks, calendars, digests, exceptions);
   * `engine` adds more, and `module` names an ES module whose default export adds what cannot
   * cross to a thread (custom actions, host facts, operators). At most `maxRuns` at once (default 2);
   * a generated history of at most `maxDeals` deals (default 20,000: each costs the worker memory).
   */
  dryRun?: { maxRuns?: number; maxDeals?: number; engine?: SimulationEngineConfig; module?: string | URL };
}

/** A fetch handler: a standard Request in, a Response out. */
export type ConsoleHandler = (request: Request) => Promise<Response>;

/** A route; `rules` bodies may be as large as `maxRulesBytes` (a rule set), the others `maxBodyBytes`. */
type Route = { method: 'GET' | 'POST'; path: RegExp; run: (c: ApiContext) => Promise<unknown>; rules?: true };

const ID = '([^/]+)';
const ROUTES: Route[] = [
  { method: 'GET', path: /^session$/, run: getSession },
  { method: 'POST', path: /^session$/, run: switchUser },
  { method: 'GET', path: /^board$/, run: getBoard },
  { method: 'POST', path: /^deals$/, run: createDeal },
  { method: 'GET', path: new RegExp(`^deals/${ID}$`), run: getDeal },
  { method: 'GET', path: new RegExp(`^deals/${ID}/explain$`), run: explainDeal },
  { method: 'POST', path: new RegExp(`^deals/${ID}/move$`), run: moveDeal },
  { method: 'POST', path: new RegExp(`^deals/${ID}/exception$`), run: markException },
  { method: 'GET', path: /^approvals$/, run: listApprovals },
  { method: 'POST', path: new RegExp(`^approvals/${ID}/decide$`), run: decideApproval },
  { method: 'POST', path: new RegExp(`^tasks/${ID}/complete$`), run: completeTask },
  { method: 'GET', path: /^operations$/, run: getOperations },
  { method: 'POST', path: new RegExp(`^outbox/${ID}/retry$`), run: retryDeadLetter },
  { method: 'POST', path: new RegExp(`^outbox/${ID}/discard$`), run: discardDeadLetter },
  { method: 'POST', path: /^clock\/advance$/, run: advanceClock },
  { method: 'GET', path: /^rules$/, run: getRules },
  { method: 'GET', path: new RegExp(`^rules/${ID}/versions$`), run: getRuleVersions },
  { method: 'POST', path: /^rules\/check$/, run: checkRulesApi, rules: true },
  { method: 'POST', path: /^rules\/activate$/, run: activateRules, rules: true },
  { method: 'POST', path: /^rules\/dry-run$/, run: startDryRun, rules: true },
  { method: 'GET', path: new RegExp(`^rules/dry-run/${ID}$`), run: getDryRun },
  { method: 'POST', path: new RegExp(`^rules/dry-run/${ID}/cancel$`), run: cancelDryRun },
  { method: 'GET', path: /^reports$/, run: listReports },
  { method: 'GET', path: /^reports\/([^/]+)\.csv$/, run: getReportCsv },
  { method: 'GET', path: new RegExp(`^reports/${ID}$`), run: getReport },
];

/**
 * The console: a fetch handler serving a single-page app (board, deal, operations, reports) and
 * its JSON API under `basePath`. Every API call goes through the engine with the actor the host's
 * `actor` function returns for the request: no actor is 401, a refusal 403 with the
 * DealflowError's code. State-changing requests are POSTs with a JSON body of bounded size, the
 * console's header, and a same-origin browser (docs/console.md).
 */
export function createConsole(options: ConsoleOptions): ConsoleHandler {
  const settings = settingsOf(options);
  const base = settings.basePath;
  let compressed: Map<string, Uint8Array> | undefined;

  const asset = async (request: Request, name: string): Promise<Response> => {
    const ui = await uiAssets();
    const text = Object.hasOwn(ui.files, name) ? ui.files[name] : undefined;
    const type = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : name.endsWith('.css') ? 'text/css; charset=utf-8' : undefined;
    if (text === undefined || !type) return json({ error: { code: 'NOT_FOUND', message: `no asset ${name}` } }, 404);
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': type,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
    };
    if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
      compressed ??= new Map();
      let body = compressed.get(name);
      if (!body) compressed.set(name, (body = gzipSync(text)));
      return new Response(body, { headers: { ...headers, 'content-encoding': 'gzip' } });
    }
    return new Response(text, { headers });
  };

  const api = async (request: Request, url: URL, path: string): Promise<Response> => {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const matches = ROUTES.filter((r) => r.path.test(path));
    if (matches.length === 0) throw new ConsoleError(404, 'NOT_FOUND', `no API endpoint ${path}`);
    const route = matches.find((r) => r.method === method);
    if (!route) throw new ConsoleError(405, 'METHOD_NOT_ALLOWED', `${path} takes ${matches.map((r) => r.method).join(' or ')}`);
    // Cross-site and oversize requests are refused before anyone is asked who they are.
    if (route.method === 'POST') checkSameOrigin(request, settings.allowedOrigins);
    const body = route.method === 'POST' ? await readJson(request, route.rules ? settings.maxRulesBytes : settings.maxBodyBytes) : undefined;
    const actor = await options.actor(request);
    if (!actor) throw new ConsoleError(401, 'UNAUTHENTICATED', 'sign in first: the host gave no user for this request');
    const context: ApiContext = {
      settings,
      engine: settings.engine,
      actor,
      url,
      params: route.path.exec(path)!.slice(1).map(decodeURIComponent),
      body,
      people: new People(settings.engine),
    };
    const out = await route.run(context);
    return out instanceof Response ? out : json(out);
  };

  return async (request: Request): Promise<Response> => {
    try {
      const url = new URL(request.url);
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) throw new ConsoleError(404, 'NOT_FOUND', `the console is at ${base || '/'}`);
      const rest = url.pathname.slice(base.length);
      if (rest.startsWith('/api/')) return await api(request, url, rest.slice('/api/'.length));
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new ConsoleError(405, 'METHOD_NOT_ALLOWED', 'the console’s pages take GET');
      if (rest.startsWith('/assets/')) return await asset(request, rest.slice('/assets/'.length));
      return page(await uiAssets(), base);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * Every page path answers with the app's shell; the app routes in the browser. Each page gets a
 * fresh nonce its style elements may carry (the rules editor's theme), on the stylesheet's link,
 * where the app reads it; injected markup cannot know it.
 */
function page(ui: UiAssets, base: string): Response {
  const b = escapeHtml(base);
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dealflow-console-base" content="${b}">
<title>dealflow console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${b}/assets/${ui.stylesheet}" nonce="${nonce}">
<script type="module" src="${b}/assets/${ui.script}"></script>
</head>
<body><div id="app"><p class="loading">Loading…</p></div></body>
</html>
`;
  return new Response(html, {
    headers: {
      ...SECURITY_HEADERS,
      'content-security-policy': contentSecurityPolicy(nonce),
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
    },
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function settingsOf(options: ConsoleOptions): ConsoleSettings {
  const engine = options.engine;
  if (!engine || typeof engine.board !== 'function') throw new DealflowError('INVALID_CONFIG', 'createConsole needs { engine }: an engine from createEngine');
  if (typeof options.actor !== 'function') {
    throw new DealflowError('INVALID_CONFIG', 'createConsole needs { actor: (request) => actor | null }: who is asking, from the host’s sign-in');
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^\/[\w\-./~]*$/.test(basePath)) {
    throw new DealflowError('INVALID_CONFIG', `basePath must be a path such as /console, not ${describeValue(options.basePath)}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 256) throw new DealflowError('INVALID_CONFIG', 'maxBodyBytes must be an integer of at least 256');
  const clock = engine.clock as Partial<SettableClock>;
  const settable = typeof clock.set === 'function';
  if (options.clockControl === true && !settable) {
    throw new DealflowError('INVALID_CONFIG', 'clockControl needs an engine on a clock that can be set (a FakeClock from dealflow/testing)');
  }
  const users = options.switchUser?.users;
  if (users !== undefined && (!Array.isArray(users) || users.some((u) => typeof u !== 'string' || u === ''))) {
    throw new DealflowError('INVALID_CONFIG', 'switchUser.users must be a list of user ids');
  }
  const maxRulesBytes = options.maxRulesBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxRulesBytes) || maxRulesBytes < 1024) throw new DealflowError('INVALID_CONFIG', 'maxRulesBytes must be an integer of at least 1024');
  const maxRuns = options.dryRun?.maxRuns ?? 2;
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new DealflowError('INVALID_CONFIG', 'dryRun.maxRuns must be a whole number, 1 or more');
  const maxDeals = options.dryRun?.maxDeals ?? 20_000;
  if (!Number.isInteger(maxDeals) || maxDeals < 1) throw new DealflowError('INVALID_CONFIG', 'dryRun.maxDeals must be a whole number, 1 or more');
  const module = options.dryRun?.module;
  return {
    engine,
    basePath,
    maxBodyBytes,
    allowedOrigins: options.allowedOrigins ?? [],
    runner: options.runner,
    clock: (options.clockControl ?? settable) && settable ? (clock as SettableClock) : undefined,
    switchUsers: users,
    cookie: options.switchUser?.cookie ?? DEFAULT_SWITCH_COOKIE,
    maxRulesBytes,
    dryRun: { engine: options.dryRun?.engine ?? {}, module: module === undefined ? null : String(module), maxDeals },
    dryRuns: new DryRuns(maxRuns),
  };
}

/** The user id the demo user switch chose (`createConsole({ switchUser })`), read from the request's cookie; undefined when none. */
export function switchedUserId(request: Request, cookie: string = DEFAULT_SWITCH_COOKIE): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookie) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
