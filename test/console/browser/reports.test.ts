import { afterEach, describe, expect, it } from 'vitest';
import { actors } from '../../../examples/console/demo.js';
import { open, type Session, switchUser } from './browser.js';

/**
 * The reports as charts in headless Chromium, on the demo (examples/console/demo.ts): Anna and
 * Boris sell, Maria is their head. Each chart's canvas is drawn by uPlot; what it plots is on its
 * element (`data-plotted`), and its legend shows the value under the cursor.
 */
let session: Session | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const sum = (values: Array<number | null>) => values.reduce<number>((n, v) => n + (v ?? 0), 0);

/** What a chart plots: one array per series (from the uPlot instance's data). */
async function plotted(s: Session, chart: string): Promise<Array<Array<number | null>>> {
  const plot = s.page.locator(`[data-chart="${chart}"] .plot[data-plotted]`);
  await plot.waitFor();
  return JSON.parse((await plot.getAttribute('data-plotted'))!);
}

describe('reports as charts', () => {
  it('the funnel chart’s figures equal funnel()’s on the demo data, the bottleneck marked', async () => {
    session = await open();
    const { page, url, demo } = session;
    await page.goto(url);
    await switchUser(page, 'maria');
    await page.getByRole('link', { name: 'Reports' }).click();
    const [entered, movedOn, lost] = await plotted(session, 'funnel');
    const funnel = await demo.engine.report('funnel', { filter: { pipelineId: 'funnel' }, actor: actors.maria! });
    const rows = funnel.rows;
    expect(rows.length).toBeGreaterThan(5);
    expect(entered).toEqual(rows.map((r) => r.entered));
    expect(movedOn).toEqual(rows.map((r) => r.movedOn));
    expect(lost).toEqual(rows.map((r) => r.lost));
    expect(sum(entered!)).toBeGreaterThan(30);
    // The bottleneck: the stage funnel() names, marked under the chart and in its table.
    const bottleneck = rows.find((r) => r.stageId === funnel.summary[0]!.lowestConversionStage)!;
    await page
      .locator('[data-chart="funnel"] .marked')
      .filter({ hasText: `Bottleneck: ${bottleneck.stage}` })
      .waitFor();
    expect(await page.getByTestId('numbers-funnel').locator('tr.marked th').textContent()).toBe(bottleneck.stage);
    // The legend shows the value under the cursor: hover over the bottleneck's bars.
    const box = (await page.locator('[data-chart="funnel"] .u-over').boundingBox())!;
    const at = rows.indexOf(bottleneck);
    await page.mouse.move(box.x + ((at + 0.5) / rows.length) * box.width, box.y + box.height / 2);
    const legend = page.locator('[data-chart="funnel"] .u-legend');
    await legend.filter({ hasText: bottleneck.stage }).waitFor();
    expect(await legend.locator('tr').nth(1).locator('.u-value').textContent()).toBe(String(bottleneck.entered));
    await session.shot('reports-funnel');
  });

  it('a seller’s charts show only her deals', async () => {
    session = await open();
    const { page, url, demo } = session;
    await page.goto(`${url}/reports/funnel`);
    const [entered] = await plotted(session, 'funnel');
    const hers = await demo.engine.report('funnel', { filter: { pipelineId: 'funnel' }, actor: actors.anna! });
    const everyone = await demo.engine.report('funnel', { filter: { pipelineId: 'funnel' } });
    expect(entered).toEqual(hers.rows.map((r) => r.entered));
    expect(entered).not.toEqual(everyone.rows.map((r) => r.entered));
    // One line per owner: hers only; no owner filter to pick anyone else.
    await page.locator('[data-chart="funnel-owners"] .plot[data-plotted]').waitFor();
    expect(await page.locator('[data-chart="funnel-owners"] .u-legend .u-series .u-label').allTextContents()).toEqual(['Stage', 'Anna Berg (sales)']);
    expect(await page.getByLabel('Owner', { exact: true }).count()).toBe(0);
    // The flagged-deals chart: one bar, hers.
    await page.getByRole('link', { name: 'Flagged deals' }).click();
    await page.locator('[data-chart="flag-share"]').waitFor();
    expect(await page.getByTestId('numbers-flag-share').locator('tbody th').allTextContents()).toEqual(['Anna Berg (sales)']);
    await session.shot('reports-seller-flag-share');
  });

  it('the manager filters by owner and period; every report draws its charts', async () => {
    session = await open();
    const { page, url, demo } = session;
    await page.goto(url);
    await switchUser(page, 'maria');
    await page.goto(`${url}/reports/flagShare`);
    await page.locator('[data-chart="flag-share"] .plot[data-plotted]').waitFor();
    expect(await page.getByTestId('numbers-flag-share').locator('tbody th').allTextContents()).toEqual(
      expect.arrayContaining(['Anna Berg (sales)', 'Boris Lang (sales)']),
    );
    await session.shot('reports-flag-share');
    await page.getByLabel('Owner', { exact: true }).selectOption('boris');
    await expect.poll(() => page.getByTestId('numbers-flag-share').locator('tbody th').allTextContents()).toEqual(['Boris Lang (sales)']);
    // A period before anything happened: nothing to plot.
    await page.getByLabel('To').fill('2026-02-01');
    await page.locator('[data-chart="flag-share"]').getByText('No deals were created in this period.').waitFor();
    await page.getByLabel('To').fill('');
    await page.getByLabel('Owner', { exact: true }).selectOption('');
    for (const [report, chart] of [
      ['slaCompliance', 'sla-over-time'],
      ['exceptions', 'exceptions'],
      ['timeInStage', 'time-in-stage'],
      ['stale', 'stale'],
      ['velocity', 'velocity'],
    ] as const) {
      await page.goto(`${url}/reports/${report}`);
      await page.locator(`[data-chart="${chart}"] canvas`).first().waitFor();
      await session.shot(`reports-${report}`);
    }
    // Deadlines over time add up to the report's table.
    await page.goto(`${url}/reports/slaCompliance`);
    const [met, missed] = await plotted(session, 'sla-over-time');
    const sla = await demo.engine.report('slaCompliance', { filter: { pipelineId: 'funnel' } });
    expect(sum(met!)).toBe(sla.rows.reduce((n, r) => n + r.met, 0));
    expect(sum(missed!)).toBe(sla.rows.reduce((n, r) => n + r.breached, 0));
  });
});
