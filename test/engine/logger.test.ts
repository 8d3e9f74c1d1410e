import { describe, expect, it, vi } from 'vitest';
import { createEngine, DealflowError, InMemoryStorage, type Logger, type RuleInput, type Storage, type StorageTx } from '../../src/index.js';
import { engineWith, newDeal, salesPipeline } from '../helpers.js';

/** A logger that keeps what it is told. */
function recording() {
  const lines: Array<{ level: string; obj: object; msg: string | undefined }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const greet: RuleInput = { id: 'greet', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 'hello' } }] };

/** The store that goes away once `lost` is set: claiming the outbox (the delivery after commit) fails. */
class LosingStorage implements Storage {
  lost = false;
  private readonly inner = new InMemoryStorage();
  transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) =>
      fn(
        new Proxy(tx, {
          get: (target, key, receiver) => {
            if (key === 'claimDueOutbox' && this.lost) return () => Promise.reject(new DealflowError('STORAGE_UNAVAILABLE', 'connection lost'));
            const value = Reflect.get(target, key, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ),
    );
  }
}

describe('the engine logger', () => {
  it('is told when the delivery after a committed command fails; the command still resolves', async () => {
    const { logger, lines } = recording();
    const storage = new LosingStorage();
    const engine = engineWith([greet], { logger, storage });
    storage.lost = true;
    const deal = await engine.createDeal(newDeal);
    expect(deal.id).toBe('deal-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: expect.stringMatching(/delivering the outbox after a command failed/) });
    expect((lines[0]!.obj as { err: DealflowError }).err.code).toBe('STORAGE_UNAVAILABLE');
  });

  it('is told when an event listener throws, with the entry it was handling', async () => {
    const { logger, lines } = recording();
    const engine = engineWith([], { logger });
    engine.on('deal.created', () => {
      throw new Error('listener bug');
    });
    await engine.createDeal(newDeal);
    expect(lines.map((l) => [l.level, (l.obj as { err: Error }).err.message, (l.obj as { entryType: string }).entryType])).toEqual([
      ['warn', 'listener bug', 'deal.created'],
    ]);
  });

  it('says nothing by default: no console output from the library', async () => {
    const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    const storage = new LosingStorage();
    const engine = engineWith([greet], { storage });
    engine.on('deal.created', () => {
      throw new Error('listener bug');
    });
    storage.lost = true;
    await engine.createDeal(newDeal);
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('a logger or telemetry without its methods is INVALID_CONFIG naming the setting', () => {
    const refusal = (config: object) => {
      try {
        createEngine({ pipelines: [salesPipeline], ...config });
      } catch (e) {
        return e as DealflowError;
      }
      throw new Error('createEngine accepted it');
    };
    expect(refusal({ logger: { info: () => {} } })).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ path: '$.logger' }] });
    expect(refusal({ logger: { info: () => {} } }).message).toContain('must have a `debug` method');
    expect(refusal({ telemetry: { command: () => {} } })).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ path: '$.telemetry' }] });
  });
});

describe('a logger that throws', () => {
  it('does not turn a committed command into a failed one', async () => {
    const throwing: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {
        throw new Error('logger down');
      },
      error: () => {
        throw new Error('logger down');
      },
    };
    const storage = new LosingStorage();
    const engine = engineWith([greet], { logger: throwing, storage });
    engine.on('deal.created', () => {
      throw new Error('listener bug');
    });
    storage.lost = true;
    const deal = await engine.createDeal(newDeal);
    expect(await engine.getDeal(deal.id)).toMatchObject({ id: deal.id });
  });
});
