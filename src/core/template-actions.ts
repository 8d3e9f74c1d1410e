import { z } from 'zod';
import { defineAction } from './actions.js';
import { TemplateString } from './templates.js';

/**
 * `setTitle`: renames the deal from a template over the deal, the event and host facts, e.g.
 * `{{contact.company}} — {{fields.product}}`. Missing values render empty and are logged.
 */
export const setTitle = defineAction({
  type: 'setTitle',
  params: z.object({ template: TemplateString }).strict(),
  apply(ctx, p) {
    ctx.setField('title', ctx.render(p.template));
  },
});
