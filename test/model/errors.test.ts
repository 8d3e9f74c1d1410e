import { describe, expect, expectTypeOf, it } from 'vitest';
import { compileCalendar, DealflowError, isDealflowError, type DealflowErrorCode } from '../../src/index.js';

// DealflowError.details is typed per code (src/model/errors.ts, DealflowErrorDetailsMap): the
// constructor checks details against the code's type, isDealflowError(e, code) narrows them.

describe('DealflowError details, typed per code', () => {
  it('narrows details to the code’s type', () => {
    const error: unknown = new DealflowError('CASCADE_LIMIT', 'loop', { details: { rules: ['a', 'b'], chain: ['a', 'b', 'a'] } });
    if (!isDealflowError(error, 'CASCADE_LIMIT')) throw new Error('a CASCADE_LIMIT error');
    expectTypeOf(error.details.rules).toEqualTypeOf<string[]>();
    expectTypeOf(error.code).toEqualTypeOf<'CASCADE_LIMIT'>();
    expect(error.details.rules).toEqual(['a', 'b']);
    expect(isDealflowError(error, 'CONFLICT')).toBe(false);
  });

  it('checks details against the code when made (a compile error otherwise)', () => {
    // @ts-expect-error: UNKNOWN_STAGE's details name the stage and the pipeline
    const missing = new DealflowError('UNKNOWN_STAGE', 'no such stage', { details: { stage: 'x' } });
    // @ts-expect-error: a field's name is a string
    const wrong = new DealflowError('INVALID_INPUT', 'bad field', { details: { field: 3 } });
    expect([missing.code, wrong.code]).toEqual(['UNKNOWN_STAGE', 'INVALID_INPUT']);
  });

  it('is still a DealflowError to instanceof, named so, with the code typed', () => {
    const error: unknown = new DealflowError('NOT_FOUND', 'no deal');
    expect(error).toBeInstanceOf(DealflowError);
    expect(error).toBeInstanceOf(Error);
    if (!(error instanceof DealflowError)) throw new Error('instanceof');
    expectTypeOf(error.code).toEqualTypeOf<DealflowErrorCode>();
    expect([error.name, error.constructor.name, error.details]).toEqual(['DealflowError', 'DealflowError', {}]);
  });

  it('has no code that nothing throws (DEAL_CLOSED was one)', () => {
    expectTypeOf<'DEAL_CLOSED'>().not.toExtend<DealflowErrorCode>();
  });
});

/**
 * Regression (bad-input suite, seed 1292066677): 20,000 bad holidays made an INVALID_CONFIG whose
 * message listed every issue, 690 KB, and building it cost as much as the validation. The message
 * lists the first 20; the error's issues keep them all.
 */
describe('a refusal with many issues', () => {
  it('lists the first 20 in its message and says how many more the issues hold', () => {
    const holidays = Array.from({ length: 500 }, (_, i) => i);
    const error = (() => {
      try {
        compileCalendar({ timezone: 'Europe/Berlin', holidays } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(isDealflowError(error, 'INVALID_CONFIG')).toBe(true);
    const e = error as DealflowError;
    expect(e.issues).toHaveLength(500);
    expect(e.message).toContain('$.holidays[19]');
    expect(e.message).not.toContain('$.holidays[20]');
    expect(e.message).toContain('… and 480 more');
  });

  it('a calendar beyond the input limits is refused by the limit, before validating each element', () => {
    const holidays = Array.from({ length: 20_000 }, (_, i) => i);
    let error: unknown;
    try {
      compileCalendar({ timezone: 'Europe/Berlin', holidays } as never);
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as DealflowError).details).toMatchObject({ limit: 'maxCollectionSize' });
    expect((error as DealflowError).issues).toHaveLength(1);
  });
});
