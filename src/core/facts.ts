import { dealWith, type Deal, type Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import { stepInto } from '../model/path.js';
import type { Pipeline } from '../model/pipeline.js';
import { extensibleCopy } from '../model/records.js';
import { slotCount, type FactSource } from './criteria.js';
import type { FallbackAnswers } from './fallback.js';
import type { FactInput } from './types.js';

export type { FactInput } from './types.js';

/**
 * A fact the host computes from the deal and event. A synchronous host fact must be pure; the
 * compiled criteria read it directly. An async one (an `async` function, or one wrapped in
 * `asyncFact`) may do I/O: rules whose criteria read it are evaluated by json-rules-engine,
 * before the pure transition, by the engine.
 */
export type HostFact = (input: FactInput) => unknown;
/** Host facts by id, as passed to `createEngine({ facts })`. */
export type HostFacts = Readonly<Record<string, HostFact>>;

export const BUILTIN_FACTS = ['deal', 'previous', 'event', 'now'] as const;

const ASYNC = Symbol.for('dealflow.asyncFact');

/** Marks a host fact that returns a promise (a plain `async function` is recognised without it). */
export function asyncFact<T>(fn: (input: FactInput) => Promise<T>): HostFact {
  return Object.assign((input: FactInput) => fn(input), { [ASYNC]: true });
}

export function isAsyncFact(fn: HostFact): boolean {
  return (fn as { [ASYNC]?: boolean })[ASYNC] === true || fn.constructor?.name === 'AsyncFunction';
}

/**
 * The deal as criteria see it: declared custom fields that are not set read as `null`, so
 * "`fields.proposalSentAt` notEqual null" means "was sent" whether or not the key exists.
 */
export function dealFact(deal: Readonly<Deal> | null, pipeline: Pipeline | null | undefined): unknown {
  if (!deal || !pipeline?.fields) return deal;
  let fields: Record<string, Json> | undefined;
  for (const name of Object.keys(pipeline.fields)) {
    if (!Object.hasOwn(deal.fields, name)) {
      fields ??= extensibleCopy(deal.fields);
      fields[name] = null;
    }
  }
  return fields ? dealWith(deal, { fields }) : deal;
}

/**
 * The last deal fact one transition built: every occurrence and due job of a transition builds
 * facts anew, mostly for the same deal object, and a deal without some declared field is copied
 * to show it as null. Kept per transition (core/work.ts), never across them.
 */
export interface DealFactMemo {
  deal: Readonly<Deal> | null;
  pipeline: Pipeline | null | undefined;
  value: unknown;
}

/**
 * Facts for one evaluation: the deal fact is built on first read, host facts are computed on
 * first read and cached. One class, so compiled criteria call `get` on a single shape.
 */
export class DealFacts implements FactSource {
  private dealValue: unknown;
  private dealDone = false;
  private cache: Map<string, unknown> | undefined;
  private slotValues: unknown[] | undefined;

  /**
   * Path values of the built-in facts, read once per fact set and shared by the compiled criteria.
   * Made on first use, sized to the slots known up to 16 (a grown array starts at 17 places; a
   * rule set with more slots grows it as before).
   */
  get slots(): unknown[] {
    return (this.slotValues ??= new Array(Math.min(slotCount(), 16)));
  }

  constructor(
    readonly input: FactInput,
    private readonly pipeline: Pipeline | null | undefined,
    private readonly host: HostFacts,
    /** Verdicts of json-rules-engine for fallback criteria, when the engine supplies them. */
    readonly answers?: FallbackAnswers,
    private readonly memo?: DealFactMemo,
  ) {}

  get(id: string): unknown {
    switch (id) {
      case 'deal':
        if (!this.dealDone) {
          const memo = this.memo;
          if (memo && memo.deal === this.input.deal && memo.pipeline === this.pipeline) this.dealValue = memo.value;
          else {
            this.dealValue = dealFact(this.input.deal, this.pipeline);
            if (memo) {
              memo.deal = this.input.deal;
              memo.pipeline = this.pipeline;
              memo.value = this.dealValue;
            }
          }
          this.dealDone = true;
        }
        return this.dealValue;
      case 'previous':
        return this.input.previous;
      case 'event':
        return this.input.event;
      case 'now':
        return this.input.now;
    }
    return this.hostFact(id);
  }

  /**
   * The deal fact at `k0` (and `k1` when `depth` is 2), names not on Object.prototype (the
   * criteria's direct paths), read from the deal as stored: the fact differs from it only where
   * a declared field is not set (null in the fact), so a job's `until` or a rule reading
   * `$.fields.x` or `$.amount` costs no copy of the deal. `$.fields` itself reads the fact (`get`).
   */
  dealPath(k0: string, k1: string, depth: number): unknown {
    const deal = this.input.deal;
    // Not an object (no deal): the fact is the value itself, and a path on it reads it.
    if (deal === null || typeof deal !== 'object') return deal;
    const a = (deal as unknown as Record<string, unknown>)[k0];
    if (depth === 1) return a;
    if (a === null || typeof a !== 'object') return typeof a === 'string' ? stepInto(a, k1) : undefined;
    if (k0 === 'fields' && !Object.hasOwn(a, k1)) return this.pipeline?.fields && Object.hasOwn(this.pipeline.fields, k1) ? null : undefined;
    return (a as Record<string, unknown>)[k1];
  }

  private hostFact(id: string): unknown {
    const cache = (this.cache ??= new Map());
    if (cache.has(id)) return cache.get(id);
    const fn = Object.hasOwn(this.host, id) ? this.host[id] : undefined;
    const v = fn ? fn(this.input) : undefined;
    if (v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') {
      throw new DealflowError(
        'INVALID_CONFIG',
        `host fact "${id}" returned a promise where a synchronous value was needed; declare it as an async function or with asyncFact() so rules reading it are evaluated by json-rules-engine`,
      );
    }
    cache.set(id, v);
    return v;
  }
}

/** Facts for one evaluation; host facts are computed on first read and cached. */
export function makeFacts(input: FactInput, pipeline: Pipeline | null | undefined, host: HostFacts, answers?: FallbackAnswers, memo?: DealFactMemo): DealFacts {
  return new DealFacts(input, pipeline, host, answers, memo);
}
