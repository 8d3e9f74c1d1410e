import { describe, expect, it } from 'vitest';
import { ConsoleNotifier, InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { salesPipeline } from '../helpers.js';

describe('ConsoleNotifier', () => {
  it('prints each notification — recipient, deal, template, subject, text — and digests as their list', async () => {
    const lines: string[] = [];
    const rules: RuleInput[] = [
      {
        id: 'hello',
        name: 'Hello',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'notify', params: { to: 'owner', template: 'deal.new', subject: 'A new deal', text: 'Call the client today.' } },
          { type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'New deal', digest: 'every 2 items' } },
        ],
      },
    ];
    const directory = new InMemoryDirectory([{ id: 'anna', name: 'Anna', email: 'anna@example.test', managerId: 'maria' }, { id: 'maria' }]);
    const engine = createTestEngine({ pipelines: [salesPipeline], rules, directory, notifier: new ConsoleNotifier({ write: (t) => lines.push(t) }) });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery', amount: 1 });
    await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'anna', title: 'Florist', amount: 1 });
    expect(lines).toEqual([
      '✉ Anna <anna@example.test> (D-1) [deal.new] A new deal\n  Call the client today.',
      '✉ Anna <anna@example.test> (D-2) [deal.new] A new deal\n  Call the client today.',
      '✉ maria [digest] 2 notifications (every 2 items)\n' +
        '  2 notifications for maria (every 2 items)\n\n  Hello\n    D-1 Bakery\n      - 2026-01-05 09:00 New deal\n    D-2 Florist\n      - 2026-01-05 09:00 New deal',
    ]);
  });
});
