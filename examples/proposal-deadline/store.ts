import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage, type SqlStorage } from '../../src/sql/index.js';

/**
 * `--store ./data`: the demo's state in an embedded PGlite database in that directory. The fake
 * clock's position is kept beside it, so the next run starts where this one stopped.
 */
export interface DemoStore {
  storage: SqlStorage;
  /** Where the previous run stopped; undefined on the first run. */
  resumeAt: string | undefined;
  /** Random ids: a second run must not reuse the first run's sequential ones. */
  ids: UuidIds;
  /** Saves the clock and closes the store. */
  pause(now: Date): Promise<void>;
  /** The first run ends on day 2: prints what happened, saves, exits. */
  stopHere(now: Date, timeline: string[]): Promise<never>;
}

const CLOCK_KEY = 'demo.clock';

export async function openDemoStore(args: string[]): Promise<DemoStore | undefined> {
  const at = args.indexOf('--store');
  if (at < 0) return undefined;
  const dataDir = args[at + 1];
  if (!dataDir) throw new Error('--store needs a directory, e.g. --store ./data');
  const storage = await createSqlStorage({ dataDir });
  const saved = await storage.transaction((tx) => tx.getMeta(CLOCK_KEY));
  if (typeof saved === 'string') console.log(`Continuing from ${saved.slice(0, 16).replace('T', ' ')}, the state stored in ${dataDir}\n`);
  const pause = async (now: Date) => {
    await storage.transaction((tx) => tx.putMeta(CLOCK_KEY, now.toISOString()));
    await storage.close();
  };
  return {
    storage,
    resumeAt: typeof saved === 'string' ? saved : undefined,
    ids: new UuidIds(),
    pause,
    async stopHere(now, timeline) {
      console.log(`Timeline\n${timeline.join('\n')}\n\nStopped on day 2; the state is in ${dataDir}. Run the same command again to continue.`);
      await pause(now);
      process.exit(0);
    },
  };
}
