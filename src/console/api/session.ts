import { z } from 'zod';
import { DealflowError } from '../../model/errors.js';
import { type ApiContext, clockView } from '../context.js';
import { mayChangeRules, mayReadRules } from './rules.js';
import { ConsoleError, json } from '../http.js';
import { parseBody } from '../parse.js';
import type { SessionView } from '../views.js';

/** `GET api/session`: who is signed in (and whom the header may switch to), the pipelines, the clock. */
export async function getSession(c: ApiContext): Promise<SessionView> {
  const { engine, actor, settings } = c;
  return {
    user: { ...(await c.people.person(actor.id)), roles: [...actor.roles] },
    switchUsers: settings.switchUsers ? await Promise.all(settings.switchUsers.map((id) => c.people.person(id))) : null,
    pipelines: engine.pipelines.map((p) => ({
      id: p.id,
      name: p.name,
      timezone: p.timezone ?? 'UTC',
      stages: p.stages.map((s) => ({ id: s.id, name: s.name, kind: s.kind })),
    })),
    clock: await clockView(settings),
    can: {
      reports: await engine.access.can(actor, 'report.read', { type: 'report', name: 'funnel' }),
      rules: await mayReadRules(engine, actor),
      activateRules: await mayChangeRules(engine, actor),
    },
  };
}

const SwitchBody = z.object({ userId: z.string().min(1).max(200) }).strict();

/**
 * `POST api/session`: switches the demo user (only with the `switchUser` option): sets the cookie
 * the host's `actor` function reads. Never offer it where users sign in for real.
 */
export async function switchUser(c: ApiContext): Promise<Response> {
  const { switchUsers, cookie, basePath } = c.settings;
  if (!switchUsers) throw new ConsoleError(404, 'NOT_FOUND', 'switching users is off (createConsole’s switchUser option)');
  const { userId } = parseBody(SwitchBody, c.body, 'the user switch');
  if (!switchUsers.includes(userId)) throw new DealflowError('INVALID_INPUT', `"${userId}" is not one of the users to switch to: ${switchUsers.join(', ')}`);
  const response = json({ userId });
  response.headers.set('set-cookie', `${cookie}=${encodeURIComponent(userId)}; Path=${basePath || '/'}; HttpOnly; SameSite=Strict`);
  return response;
}
