/**
 * The library as its users run it: the compiled package in dist/ (`npm run bench` builds it
 * first), not the TypeScript sources through tsx. tsx compiles with esbuild's keepNames, which
 * wraps every function expression in a `__name(...)` call; in an engine that makes closures per
 * command that costs about a tenth of its time, which users of the package never pay.
 * Types come from src (they vanish at run time); the path is a variable so type-checking does
 * not need a build.
 */
import { existsSync } from 'node:fs';
import type * as src from '../../src/index.js';
import type * as srcTesting from '../../src/testing/index.js';

// DEALFLOW_DIST names another build (a folder under the repository, e.g. a saved `dist` of the
// commit before) for A/B runs of the same workload.
const dist = new URL(`../../${process.env.DEALFLOW_DIST ?? 'dist'}/`, import.meta.url);
if (!existsSync(new URL('index.js', dist))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
const lib = (await import(new URL('index.js', dist).href)) as typeof src;
const testing = (await import(new URL('testing/index.js', dist).href)) as typeof srcTesting;

export const { createEngine, InMemoryStorage, InMemoryDirectory, InMemoryNotifier, SequentialIds, REPORT_INPUTS, transition } = lib;
export const { createTestEngine, FakeClock } = testing;
export type { CoreEnv, DealSnapshot, DirectoryView, Engine, Job, Notifier, User } from '../../src/index.js';
