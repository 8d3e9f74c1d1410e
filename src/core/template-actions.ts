import { strictObject } from '../model/objects.js';
import { defineAction } from './actions.js';
import { TemplateString } from './templates.js';

/**
 * `setTitle`: renames the deal from a template over the deal, the event and host facts, e.g.
 * `{{contact.company}} — {{fields.product}}`. Missing values render empty and are logged.
 */
export const setTitle = defineAction({
  type: 'setTitle',
  params: strictObject({ template: TemplateString }).describe('setTitle: renames the deal from a template.'),
  apply(ctx, p) {
    ctx.setField('title', ctx.render(p.template));
  },
});
