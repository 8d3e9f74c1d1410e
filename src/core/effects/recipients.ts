import { withKey } from '../../model/records.js';
import type { IdGenerator } from '../../model/ids.js';
import type { Recipient } from '../occurrence.js';
import type { OutboxMessage } from '../types.js';
import type { Lookup } from './directory-view.js';

/**
 * A notification's recipient spec resolved to user ids, one outbox message per user (the first
 * keeps the message's id). An unresolvable recipient keeps one message with no user, which
 * delivery dead-letters with the reason, so the failure is visible instead of silently dropped.
 */
export function fanOut(message: OutboxMessage, lookup: Lookup, ids: IdGenerator): OutboxMessage[] {
  const to = message.payload.to as Recipient;
  const ownerId = message.payload.ownerId as string | null;
  let userIds: ReadonlyArray<string> = [];
  let problem: string | null = null;
  if (to === 'owner') {
    if (ownerId) userIds = [ownerId];
    else problem = 'the deal has no owner';
  } else if (to === 'manager') {
    const owner = ownerId ? lookup.user(ownerId) : undefined;
    if (!owner) problem = `owner "${ownerId}" is not in the directory, so their manager is unknown`;
    else if (!owner.managerId) problem = `owner "${ownerId}" has no managerId in the directory`;
    else userIds = [owner.managerId];
  } else if ('user' in to) {
    userIds = [to.user];
  } else {
    userIds = lookup.withRole(to.role);
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
