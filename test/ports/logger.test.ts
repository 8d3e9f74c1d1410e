import { describe, expect, it, vi } from 'vitest';
import { consoleLogger, quietLogger } from '../../src/index.js';

describe('consoleLogger', () => {
  it('writes the message, then the object, at the same level of the console it wraps', () => {
    const target = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const logger = consoleLogger(target);
    const err = new Error('store lost');
    logger.error({ err }, 'delivery failed');
    logger.warn({}, 'only words');
    logger.info({ dealId: 'deal-1' });
    logger.debug({ n: 1 }, 'counted');
    expect(target.error).toHaveBeenCalledWith('delivery failed', { err });
    expect(target.warn).toHaveBeenCalledWith('only words');
    expect(target.info).toHaveBeenCalledWith({ dealId: 'deal-1' });
    expect(target.debug).toHaveBeenCalledWith('counted', { n: 1 });
  });

  it('wraps the global console by default', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    consoleLogger().warn({ a: 1 }, 'hm');
    expect(spy).toHaveBeenCalledWith('hm', { a: 1 });
    spy.mockRestore();
  });
});

describe('quietLogger', () => {
  it('writes nothing anywhere', () => {
    const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    quietLogger.error({ err: new Error('x') }, 'x');
    quietLogger.warn({}, 'x');
    quietLogger.info({}, 'x');
    quietLogger.debug({}, 'x');
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });
});
