import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createDemo, type Demo } from '../../../examples/console/demo.js';
import { nodeListener } from '../../../src/console/index.js';

/** Debian's chromium, which .ci/run installs (no browser download at install time). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the tests save their screenshots (ignored by git). */
export const SHOTS = resolve(import.meta.dirname, '../../../screenshots/console');

/** A fresh demo served on 127.0.0.1, and a fresh browser profile: nothing carries over between tests. */
export interface Session {
  demo: Demo;
  url: string;
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot to screenshots/console/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function open(viewport = { width: 1280, height: 800 }): Promise<Session> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const demo = await createDemo();
  const server: Server = createServer(nodeListener(demo.handler));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'dealflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The console's CSP must hold: a blocked script, style or eval is a failure, not a console line.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  mkdirSync(SHOTS, { recursive: true });
  return {
    demo,
    url,
    context,
    page,
    shot: async (name) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    },
    close: async () => {
      await context.close();
      await new Promise((done) => server.close(done));
      rmSync(profile, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    },
  };
}

/** The card of a deal, and the column (stage id) it sits in. */
export const card = (page: Page, dealId: string) => page.locator(`.card[data-deal="${dealId}"]`);
export const column = (page: Page, stageId: string) => page.locator(`section.column[data-stage="${stageId}"]`);

/** Switches the signed-in demo user in the header. */
export async function switchUser(page: Page, userId: string): Promise<void> {
  await page.getByLabel('Switch user').selectOption(userId);
  await page.locator('.status').filter({ hasText: 'Signed in as' }).waitFor();
}
