import { z } from 'zod';
import type { BoardCard } from '../../engine/board.js';
import { DealflowError } from '../../model/errors.js';
import { type ApiContext, pipelineOf } from '../context.js';
import { parseBody } from '../parse.js';
import type { BoardView, CardView, ColumnView } from '../views.js';

/** `GET api/board?pipeline=&owner=&order=`: the engine's board for the actor, inbox first, optionally one owner's cards. */
export async function getBoard(c: ApiContext): Promise<BoardView> {
  const pipeline = pipelineOf(c.engine, c.url.searchParams.get('pipeline'));
  if (!pipeline) throw new DealflowError('NOT_FOUND', 'the engine has no pipelines');
  const order = c.url.searchParams.get('order') === 'oldest' ? 'oldest' : 'newest';
  const board = await c.engine.board(pipeline.id, { actor: c.actor, order });
  const owner = c.url.searchParams.get('owner') || null;
  const cards = board.columns.flatMap((col) => col.cards);
  await c.people.load(cards.map((card) => card.ownerId));
  // Versions let a move say which version of the deal it meant (a stale board gets CONFLICT, not a surprise).
  const versions = new Map((await c.engine.listDeals({ pipelineId: pipeline.id }, { actor: c.actor })).map((d) => [d.id, d.version]));
  const view = (card: BoardCard): CardView => ({ ...card, ownerName: c.people.known(card.ownerId), version: versions.get(card.dealId) ?? 0 });
  const columns: ColumnView[] = board.columns.map((col) => {
    const kept = owner === null ? col.cards : col.cards.filter((card) => card.ownerId === owner);
    return { ...col, count: kept.length, totalAmount: kept.reduce((sum, card) => sum + card.amount, 0), cards: kept.map(view) };
  });
  // The inbox (deals nobody has sorted yet) comes first, whatever its place in the pipeline.
  columns.sort((a, b) => Number(b.kind === 'inbox') - Number(a.kind === 'inbox'));
  const owners = [...new Set(cards.map((card) => card.ownerId))].sort().map((id) => ({ id, name: c.people.known(id) }));
  return { pipelineId: board.pipelineId, asOf: board.asOf, columns, owners, owner };
}

const NewDealBody = z
  .object({
    pipelineId: z.string().min(1).max(200).optional(),
    stageId: z.string().min(1).max(200).optional(),
    ownerId: z.string().min(1).max(200).optional(),
    title: z.string().trim().min(1, 'give the deal a title').max(200),
    amount: z.number().finite().min(0).max(1e12).default(0),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'a three-letter currency code, such as EUR')
      .optional(),
  })
  .strict();

/** `POST api/deals`: a new deal, owned by the actor unless they name another owner (the policy decides). */
export async function createDeal(c: ApiContext): Promise<{ id: string }> {
  const body = parseBody(NewDealBody, c.body, 'the new deal');
  const pipeline = pipelineOf(c.engine, body.pipelineId);
  if (!pipeline) throw new DealflowError('NOT_FOUND', `no pipeline "${body.pipelineId}"`);
  const deal = await c.engine.createDeal(
    {
      pipelineId: pipeline.id,
      ownerId: body.ownerId ?? c.actor.id,
      title: body.title,
      amount: body.amount,
      ...(body.currency ? { currency: body.currency } : {}),
      ...(body.stageId ? { stageId: body.stageId } : {}),
    },
    { actor: c.actor },
  );
  return { id: deal.id };
}

const MoveBody = z.object({ stageId: z.string().min(1).max(200), expectedVersion: z.number().int().min(1).optional() }).strict();

/** `POST api/deals/:id/move`: moveDeal as the actor; a refusal is the engine's FORBIDDEN, said in words. */
export async function moveDeal(c: ApiContext): Promise<{ id: string; stageId: string; version: number }> {
  const body = parseBody(MoveBody, c.body, 'the move');
  const deal = await c.engine.moveDeal(c.params[0]!, body.stageId, {
    actor: c.actor,
    ...(body.expectedVersion === undefined ? {} : { expectedVersion: body.expectedVersion }),
  });
  return { id: deal.id, stageId: deal.stageId, version: deal.version };
}
