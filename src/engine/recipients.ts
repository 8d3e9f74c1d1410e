import type { OutboxMessage } from '../core/types.js';
import type { Recipient } from '../core/actions.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import { withKey } from '../model/records.js';

/**
 * Resolves a notification's recipient spec to user ids through the Directory, one outbox
 * message per user. An unresolvable recipient keeps one message with no user, which delivery
 * dead-letters with the reason, so the failure is visible instead of silently dropped.
 */
export async function resolveRecipients(message: OutboxMessage, directory: Directory, ids: IdGenerator): Promise<OutboxMessage[]> {
  const to = message.payload.to as Recipient;
  const ownerId = message.payload.ownerId as string | null;
  let userIds: string[] = [];
  let problem: string | null = null;
  if (to === 'owner') {
    if (ownerId) userIds = [ownerId];
    else problem = 'the deal has no owner';
  } else if (to === 'manager') {
    const owner = ownerId ? await directory.get(ownerId) : undefined;
    if (!owner) problem = `owner "${ownerId}" is not in the directory, so their manager is unknown`;
    else if (!owner.managerId) problem = `owner "${ownerId}" has no managerId in the directory`;
    else userIds = [owner.managerId];
  } else if ('user' in to) {
    userIds = [to.user];
  } else {
    userIds = (await directory.withRole(to.role)).map((u) => u.id);
    if (userIds.length === 0) problem = `no user has the role "${to.role}"`;
  }
  if (userIds.length === 0) {
    return [{ ...message, payload: { ...message.payload, recipientId: null, unresolved: problem } }];
  }
  return userIds.map((userId, i) => ({
    ...message,
    id: i === 0 ? message.id : ids.next('msg'),
    key: `${message.key}->${userId}`,
    payload: withKey(message.payload, 'recipientId', userId),
  }));
}
