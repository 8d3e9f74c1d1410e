/**
 * The console mounted in Node's http server, driven through its JSON API the way its browser app
 * does: Anna's board, a move, a refused move back, Maria's approval, the clock five days on, a
 * dead letter retried, the funnel report's bottleneck, and Olga's rule change: checked, dry-run
 * over a generated history, activated. It exits when done; `npm run console` serves the same demo for a browser.
 * Run with `npx tsx examples/console/main.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeListener } from '../../src/console/index.js';
import { createDemo } from './demo.js';

const demo = await createDemo();
const server = createServer(nodeListener(demo.handler));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** One API call as a demo user (the user switch's cookie), with what the browser app sends on a change. */
async function api(user: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { cookie: `dealflow-console-user=${user}` };
  if (method === 'POST') Object.assign(headers, { 'content-type': 'application/json', 'x-dealflow-console': '1', origin });
  const res = await fetch(`${origin}/api/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const data = (await res.json()) as any;
  return res.ok ? data : { status: res.status, ...data.error };
}

const cards = (board: any) => board.columns.flatMap((c: any) => c.cards.map((card: any) => ({ ...card, stage: c.name })));

const anna = await api('anna', 'GET', 'board');
console.log(`Anna's board: ${cards(anna).length} cards, all hers: ${cards(anna).every((c: any) => c.ownerId === 'anna')}`);
const maria = await api('maria', 'GET', 'board');
console.log(`Maria's board: ${cards(maria).length} cards of ${maria.owners.map((o: any) => o.name).join(' and ')}`);

await api('anna', 'POST', 'deals/D-1/move', { stageId: 'processing' });
const d1 = await api('anna', 'GET', 'deals/D-1');
console.log(`D-1 is in ${d1.deal.stageName}; its history ends: ${d1.timeline.at(-1).text}`);

const back = await api('anna', 'POST', 'deals/D-3/move', { stageId: 'proposal' });
console.log(`Anna moves D-3 back: ${back.status} ${back.code}`);

const due = async () => cards(await api('anna', 'GET', 'board')).find((c: any) => c.dealId === 'D-4').sla.nextDueAt;
const before = await due();
await api('maria', 'POST', 'approvals/approval-1/decide', { decision: 'approve' });
console.log(`Maria approves the extension: D-4 due ${before} → ${await due()}`);

await api('anna', 'POST', 'clock/advance', { days: 5 });
const d5 = await api('anna', 'GET', 'deals/D-5');
console.log(`Five days on, D-5: ${d5.timeline.filter((t: any) => t.type === 'sla.escalation').map((t: any) => t.text)[0]}`);

const dead = (await api('maria', 'GET', 'operations')).outbox.dead[0];
const retried = await api('maria', 'POST', `outbox/${dead.id}/retry`);
console.log(`Dead letter to ${dead.recipient} retried: ${retried.status}`);

const funnel = await api('maria', 'GET', 'reports/funnel');
console.log(`Maria's funnel: ${funnel.charts[0].markedLabel}`);

// Olga (sales ops) makes the 5-day proposal rule a 3-day one: check, dry run, activate.
const { rules, revision } = await api('olga', 'GET', 'rules');
const edited = rules.map((r: any) =>
  r.id !== 'proposal-within-5-days' ? r : { ...r, actions: r.actions.map((a: any) => (a.after ? { ...a, after: { days: a.after.days === 4 ? 2 : 3 } } : a)) },
);
const check = await api('olga', 'POST', 'rules/check', { rules: edited });
console.log(`Checked: ${check.errors} error(s); activating changes ${check.changes.map((c: any) => `${c.ruleId} v${c.from} → v${c.to}`).join(', ')}`);
let run = await api('olga', 'POST', 'rules/dry-run', { rules: edited, history: { source: 'generated', deals: 500, days: 30, seed: 42 } });
while (run.status === 'running') {
  await new Promise((resolve) => setTimeout(resolve, 100));
  run = await api('olga', 'GET', `rules/dry-run/${run.id}`);
}
const e = run.result.totals.escalations;
console.log(`Dry run over 500 generated deals: escalations ${e.a} → ${e.b} (${e.added} more, ${e.retimed} earlier)`);
const activated = await api('olga', 'POST', 'rules/activate', { rules: edited, revision });
console.log(`Activated revision ${activated.revision}: ${activated.changes.map((c: any) => `${c.ruleId} v${c.to}`).join(', ')}`);

server.close();
