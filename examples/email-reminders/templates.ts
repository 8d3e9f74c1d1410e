import type { EmailTemplate } from '../../src/email/index.js';

/**
 * Email templates by notification template id (the `template` in rules.json). Mustache: the
 * view has `deal`, `recipient`, the rule's `text`, and for the digest `digest` and `groups`.
 * A value a template names but the message lacks dead-letters the mail instead of sending a
 * half-filled one.
 */
export const templates: Record<string, EmailTemplate> = {
  'proposal.requested': {
    subject: 'Send a proposal for {{deal.title}}',
    text: 'Hello {{recipient.name}},\n\n{{text}}\n\nDeal {{deal.id}}: {{deal.title}}, {{deal.amount}} {{deal.currency}}.\n',
    html: '<p>Hello {{recipient.name}},</p><p>{{text}}</p><p>Deal {{deal.id}}: <b>{{deal.title}}</b></p>',
  },
  'proposal.reminder': {
    subject: 'Reminder: proposal for {{deal.title}}',
    text: 'Hello {{recipient.name}},\n\n{{text}}\n',
  },
  'proposal.missed': {
    subject: 'No proposal for {{deal.title}} within 5 days',
    text: '{{text}}\n',
  },
  digest: {
    subject: '{{digest.count}} deals missed the 5-day proposal deadline',
    text: '{{#groups}}{{ruleName}}\n{{#deals}}- {{dealId}} {{title}}\n{{/deals}}{{/groups}}',
  },
};
