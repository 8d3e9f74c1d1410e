import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { rulesJsonSchema } from '../../../src/index.js';
import { generateHistory, toJsonLines } from '../../../src/simulation/index.js';
import { open, type Session, switchUser } from './browser.js';

/**
 * The rules page in headless Chromium, on the demo (examples/console/demo.ts): Olga runs sales
 * ops (an admin: she may change the rules), Maria is the head of sales (she may read and dry-run
 * them), Anna sells. The rule set starts with the seed's 5-day proposal rule on the inbound
 * pipeline, the one `dealflow generate` writes histories for.
 */
let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

async function rulesPage(s: Session, user: string): Promise<Page> {
  const { page, url } = s;
  await page.goto(url);
  await switchUser(page, user);
  await page.getByRole('link', { name: 'Rules' }).click();
  await page.locator('.cm-editor .cm-content').waitFor();
  await page.getByTestId('check-status').filter({ hasText: 'No problems' }).waitFor();
  return page;
}

/**
 * Replaces `text` on the `n`-th editor line holding `line` with `by`, the way a person does: find
 * the line (paging down: the editor draws only what is in view), select the text, delete, type.
 */
async function edit(page: Page, line: string, text: string, by: string, n = 0): Promise<void> {
  const content = page.locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+Home');
  const target = page.locator('.cm-line', { hasText: line }).nth(n);
  for (let i = 0; i < 40 && (await target.count()) === 0; i++) await page.keyboard.press('PageDown');
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  const full = (await target.textContent())!;
  await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  // Home stops at the indentation: count from there.
  const at = full.indexOf(text) - (full.length - full.trimStart().length);
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < text.length; i++) await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(by);
}

/** The editor's text, copied as a person would (select all, copy). */
async function editorText(page: Page): Promise<string> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  return page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
}

describe('the rules editor', () => {
  it('a typo in an operator is underlined with the schema’s message before saving', async () => {
    session = await open();
    const { demo } = session;
    const page = await rulesPage(session, 'olga');
    await edit(page, '"operator": "lessThan"', 'lessThan', 'lesThan');
    await page
      .getByTestId('check-status')
      .filter({ hasText: /\d+ problem/ })
      .waitFor();
    const underlined = page.locator('.cm-lintRange-error', { hasText: 'lesThan' });
    await underlined.waitFor();
    // The schema's own words for an operator (the description of dealflow/schema/rules.json's operator).
    const operator = JSON.stringify(rulesJsonSchema()).match(/"description":"(A json-rules-engine operator[^"]*)"/)![1]!;
    await underlined.hover();
    const tooltip = page.locator('.cm-tooltip-lint');
    await tooltip.filter({ hasText: operator }).waitFor();
    expect(await tooltip.innerText()).toContain('"lesThan" is not valid here');
    await expect.poll(() => page.getByTestId('findings').innerText()).toContain(`$[0].when.all[0].operator "lesThan" is not valid here: ${operator} (schema)`);
    await session.shot('rules-operator-typo');
    // Before saving: nothing can be activated, and nothing changed.
    expect(await page.getByRole('button', { name: 'Activate' }).count()).toBe(0);
    expect(demo.engine.rules[0]!.when).toMatchObject({ all: [{ operator: 'lessThan' }] });
    // Completion offers the operators.
    await page.keyboard.press('Control+Space');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['lessThan', 'lessThanInclusive', 'greaterThan', 'equal']));
  });

  it('a typo in a trigger type is underlined with the schema’s message before saving; hover and completion come from the schema', async () => {
    session = await open();
    const page = await rulesPage(session, 'olga');
    await edit(page, '"type": "deal.created"', 'deal.created', 'deal.craeted');
    const status = page.getByTestId('check-status');
    await status.filter({ hasText: /\d+ problem/ }).waitFor();
    const underlined = page.locator('.cm-lintRange-error', { hasText: 'deal.craeted' });
    await underlined.waitFor();
    // The schema's message, at the trigger's type: the trigger types it allows.
    await expect.poll(() => page.getByTestId('findings').innerText()).toContain('$[0].trigger.type type must be one of');
    expect(await page.getByTestId('findings').innerText()).toContain('"stage.entered"');
    await underlined.hover();
    const tooltip = page.locator('.cm-tooltip-lint');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toContain('type must be one of');
    await session.shot('rules-typo');
    // Completion offers the trigger types where the typo is.
    await page.keyboard.press('Control+Space');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['deal.created', 'stage.entered', 'field.changed']));
    await options
      .filter({ hasText: /^deal\.created$/ })
      .first()
      .click();
    await status.filter({ hasText: 'No problems' }).waitFor();
    // Hovering a value shows what the schema says of it: a notification goes to the owner or the manager.
    const to = page.locator('.cm-line', { hasText: '"to": "owner"' }).first();
    await to.getByText('"owner"').hover();
    const hover = page.locator('.schema-hover');
    await hover.waitFor();
    expect(await hover.innerText()).toContain('One of: "owner", "manager"');
  });

  it('check’s findings are underlined at their paths: a move to a stage the pipeline lacks', async () => {
    session = await open();
    const page = await rulesPage(session, 'maria');
    await edit(page, '"stage": "new"', '"new"', '"nwe"');
    await page
      .getByTestId('check-status')
      .filter({ hasText: /\d+ problem/ })
      .waitFor();
    await page.locator('.cm-lintRange-error', { hasText: 'nwe' }).waitFor();
    await expect.poll(() => page.getByTestId('findings').innerText()).toMatch(/\$\[1\]\.trigger\.stage .*nwe.*\(check: invalid\)/);
    // The head of sales may dry-run but not activate.
    expect(await page.getByRole('button', { name: 'Activate' }).count()).toBe(0);
  });
});

describe('a dry run', () => {
  it('of a 3-day against the 5-day proposal rule over a generated history shows more escalations; its totals equal `dealflow diff` on the same history', async () => {
    session = await open();
    const { demo } = session;
    const page = await rulesPage(session, 'olga');
    const current = demo.engine.rules;
    // The 3-day rule: the reminder after 2 days, the manager told and the violation recorded after 3.
    await edit(page, '"days": 4', '4', '2');
    await edit(page, '"days": 5', '5', '3');
    await edit(page, '"days": 5', '5', '3');
    await page.getByTestId('check-status').filter({ hasText: 'No problems' }).waitFor();
    const edited = JSON.parse(await editorText(page)) as unknown[];
    const dry = page.getByTestId('dry-run');
    await dry.getByLabel('Deals').fill('800');
    await dry.getByLabel('Days', { exact: true }).fill('45');
    await dry.getByLabel('Seed').fill('7');
    await dry.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('dry-run-progress').waitFor();
    await session.shot('rules-dry-run-progress');
    await page.getByTestId('dry-run-result').waitFor({ timeout: 120_000 });
    const escalations = page.getByTestId('dry-run-totals').locator('tr[data-total="escalations"] td');
    const [a, b] = (await escalations.allTextContents()).map(Number);
    expect(b).toBeGreaterThan(a!);
    await page.getByTestId('dry-run-deals').waitFor();
    await page.evaluate(() => (globalThis as any).document.querySelector('[data-testid="dry-run-result"]').scrollIntoView({ block: 'start' }));
    await session.shot('rules-dry-run');

    // The same with the CLI: the history `dealflow generate` writes, the engine's pipelines and settings.
    const view = await page.evaluate(async () => {
      const runId = (await (await fetch('api/rules/dry-run/dry-run-1')).json()) as { result: { totals: unknown } };
      return runId.result.totals;
    });
    const dir = mkdtempSync(join(tmpdir(), 'dealflow-dry-run-'));
    try {
      const file = (name: string, body: string) => {
        writeFileSync(join(dir, name), body);
        return join(dir, name);
      };
      const { pipelines, slas, exceptions } = demo.engine.config;
      let out = '';
      const code = await runCli(
        [
          'diff',
          '--rules',
          file('a.json', JSON.stringify(current)),
          '--against',
          file('b.json', JSON.stringify(edited)),
          '--pipelines',
          file('pipelines.json', JSON.stringify(pipelines)),
          '--config',
          file('config.json', JSON.stringify({ slas, exceptions })),
          '--events',
          file('history.jsonl', toJsonLines(generateHistory({ deals: 800, days: 45, seed: 7 }))),
          '--json',
        ],
        { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } },
      );
      expect(code).toBe(0);
      expect(view).toEqual(JSON.parse(out).totals);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('can be cancelled while it runs', async () => {
    session = await open();
    const page = await rulesPage(session, 'maria');
    await edit(page, '"days": 5', '5', '3');
    await page.getByTestId('check-status').filter({ hasText: 'No problems' }).waitFor();
    const dry = page.getByTestId('dry-run');
    await dry.getByLabel('Deals').fill('20000');
    await dry.getByLabel('Days', { exact: true }).fill('120');
    await dry.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('dry-run-progress').filter({ hasText: 'events' }).waitFor({ timeout: 60_000 });
    await dry.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('dry-run-status').filter({ hasText: 'Cancelled' }).waitFor();
    // The board still answers (it always did: the run is in a worker).
    await page.getByRole('link', { name: 'Board' }).first().click();
    await page.locator('.card').first().waitFor();
  });
});

describe('activation', () => {
  it('bumps the version, and a pending job follows its onChange policy; versions compare side by side', async () => {
    session = await open();
    const { demo } = session;
    const page = await rulesPage(session, 'olga');
    // The earliest pending "call again" job, and its deal.
    const job = (await demo.engine.dueJobs({ until: '2027-01-01T00:00:00.000Z', limit: 1000 })).find((j) => j.ruleId === 'call-again')!;
    expect(job.ruleVersion).toBe(1);
    // The new version asks for a call after 8 working days, and cancels what the old one scheduled.
    await edit(page, '"businessDays": 10', '10', '8');
    await edit(page, '"id": "call-again",', '"id": "call-again",', '"id": "call-again", "onChange": "cancel",');
    await page.getByTestId('check-status').filter({ hasText: 'No problems' }).waitFor();
    // The preview follows the last check: wait for the one of both edits.
    const preview = page.getByTestId('preview').locator('tr[data-rule="call-again"]').filter({ hasText: 'cancelled when they come due (cancel)' });
    await preview.waitFor();
    expect(await preview.getByTestId('version').innerText()).toBe('v1 → v2');
    await session.shot('rules-activate-preview');
    await page.getByRole('button', { name: 'Activate' }).click();
    const activated = page.getByTestId('activated').locator('tr[data-rule="call-again"]');
    await activated.waitFor();
    expect(await activated.getByTestId('version').innerText()).toBe('v1 → v2');
    await page.getByTestId('revision').filter({ hasText: 'revision 1' }).waitFor();
    expect(demo.engine.rules.find((r) => r.id === 'call-again')!.version).toBe(2);
    // Versions: v1 and v2, side by side.
    const versions = page.getByTestId('versions').locator('tr[data-rule="call-again"]');
    expect(await versions.innerText()).toContain('v1, v2');
    await versions.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('compare').locator('.cm-mergeView').waitFor();
    expect(await page.getByTestId('compare').innerText()).toContain('"onChange": "cancel"');
    await session.shot('rules-versions');
    // The deal's history after: once the job comes due, it is cancelled by the new version's policy.
    await activated.getByRole('link', { name: job.dealId }).click();
    await page.getByTestId('timeline').waitFor();
    const days = Math.ceil((Date.parse(job.dueAt) - demo.engine.clock.now().getTime()) / 86_400_000);
    for (let d = 0; d < Math.max(1, days); d++) {
      await page.getByRole('button', { name: '+1 day' }).click();
      await page.locator('.status').filter({ hasText: 'Clock moved a day' }).waitFor();
      await expect.poll(() => page.getByRole('button', { name: '+1 day' }).isEnabled()).toBe(true);
    }
    await page
      .getByTestId('timeline')
      .filter({ hasText: 'cancelled: its rule changed, and the new version cancels pending jobs (onChange: cancel)' })
      .waitFor();
    await session.shot('rules-activated-timeline');
  });
});
