/**
 * Criteria beyond the compiler: a custom operator registered the json-rules-engine way, and a
 * host fact that does I/O (async). Rules that use them are evaluated by json-rules-engine, the
 * rest stay compiled; the history and `explainCriteria()` say which is which.
 * Run with `npx tsx examples/custom-operators/main.ts`.
 */
import { asyncFact, InMemoryDirectory, Operator, type FactInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';

// A json-rules-engine operator: its callback and its fact-value validator, exactly as you would
// pass them to json-rules-engine's engine.addOperator.
const matchesDomain = new Operator<string, string>(
  'matchesDomain',
  (email, domain) => email.endsWith(`@${domain}`),
  (v) => typeof v === 'string',
);

// A credit check against a (pretend) remote service: async, so it cannot run inside the pure core.
const creditScores: Record<string, number> = { 'Hotel Adler': 780, 'Bakery Klein': 540 };
const creditScore = asyncFact(async ({ deal }: FactInput) => {
  await new Promise((resolve) => setTimeout(resolve, 5)); // the network
  return creditScores[deal?.title ?? ''] ?? 600;
});

const engine = createTestEngine({
  pipelines: [
    {
      id: 'sales',
      name: 'Sales',
      timezone: 'Europe/Berlin',
      stages: [
        { id: 'new', name: 'New' },
        { id: 'won', name: 'Won', kind: 'won' },
        { id: 'lost', name: 'Lost', kind: 'lost' },
      ],
      fields: { contactEmail: { type: 'string' } },
    },
  ],
  operators: [matchesDomain],
  facts: { creditScore },
  rules: [
    {
      id: 'partner-domain',
      trigger: { type: 'deal.created' },
      when: { fact: 'deal', path: '$.fields.contactEmail', operator: 'matchesDomain', value: 'partner.example' },
      actions: [{ type: 'setFlag', params: { flag: 'partner' } }],
    },
    {
      id: 'good-credit',
      trigger: { type: 'deal.created' },
      when: { fact: 'creditScore', operator: 'greaterThanInclusive', value: 700 },
      actions: [{ type: 'notify', params: { to: 'owner', template: 'credit.ok', text: 'Credit check passed: offer payment on invoice.' } }],
    },
    {
      id: 'big-deal',
      trigger: { type: 'deal.created' },
      when: { fact: 'deal', path: '$.amount', operator: 'greaterThan', value: 10_000 },
      actions: [{ type: 'notify', params: { to: 'manager', template: 'big-deal', text: 'A big deal came in.' } }],
    },
  ],
  directory: new InMemoryDirectory([
    { id: 'anna', name: 'Anna', managerId: 'maria' },
    { id: 'maria', name: 'Maria' },
  ]),
});

const adler = await engine.createDeal({
  pipelineId: 'sales',
  ownerId: 'anna',
  title: 'Hotel Adler',
  amount: 24_000,
  fields: { contactEmail: 'ops@partner.example' },
});
const klein = await engine.createDeal({
  pipelineId: 'sales',
  ownerId: 'anna',
  title: 'Bakery Klein',
  amount: 3_000,
  fields: { contactEmail: 'owner@klein.example' },
});

for (const deal of [adler, klein]) {
  const current = (await engine.getDeal(deal.id))!;
  console.log(`${deal.id}  ${deal.title}: partner ${current.flags.partner === true ? 'yes' : 'no'}`);
  for (const e of await engine.history(deal.id)) {
    if (e.type !== 'rule.fired' && e.type !== 'rule.skipped') continue;
    const by = e.data.evaluator === 'json-rules-engine' ? `json-rules-engine (${String(e.data.fallbackReason)})` : 'compiled';
    console.log(`  ${e.ruleId} ${e.type === 'rule.fired' ? 'fired' : 'skipped'}, criteria by ${by}`);
  }
}
for (const m of engine.notifications) console.log(`→ ${m.recipient.name}: ${m.text}`);

const explained = engine.explainCriteria();
console.log(
  `compiled rules: ${explained.compiledRules}, evaluated by json-rules-engine: ${explained.fallbackRules} (${explained.fallbackEvaluations} evaluations)`,
);
