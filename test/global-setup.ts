import { relative } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Says in one line at the end of `npm test` when and why the PostgreSQL-server tests were skipped:
 * they run only when DATABASE_URL is set (`describe.runIf(DATABASE_URL)` in test/sql), and vitest
 * otherwise shows them as a few skipped files among dozens, easy to miss. Printed from the
 * teardown, so it lands under vitest's summary, and only when such a file was in the run.
 */
export default function setup(project: TestProject): () => void {
  return () => {
    if (process.env.DATABASE_URL) return;
    const skipped = project.vitest.state
      .getFiles()
      .filter((f) => f.mode === 'skip' && f.filepath.includes('/test/sql/'))
      .map((f) => relative(project.config.root, f.filepath))
      .sort();
    if (skipped.length === 0) return;
    process.stderr.write(
      `\nPostgreSQL server tests SKIPPED because DATABASE_URL is not set (${skipped.join(', ')}); ` +
        'run `DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test` to include them (CI always does). The same SQL runs on PGlite in any case.\n',
    );
  };
}
