import { MIGRATIONS } from '../../src/sql/migrations.js';

/**
 * The last migration of each release. A database "created by the previous release" is one these
 * migrations made; when a release ships, add it here and pin its new files in migrations.test.ts.
 */
export const RELEASES = { '0.1.0': 1 } as const;

/** The migrations the previous release (0.1.0) ran, and those it did not have. */
export const PREVIOUS = MIGRATIONS.filter((m) => m.version <= RELEASES['0.1.0']);
export const SINCE_PREVIOUS = MIGRATIONS.filter((m) => m.version > RELEASES['0.1.0']);
