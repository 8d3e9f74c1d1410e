import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README is also the package's page on the npm registry, where a relative link such as
 * `docs/rules.md` leads nowhere (the docs are not in the package). So every link in it is
 * absolute, to this repository's main branch on GitHub, and names a file that exists here, with
 * an anchor that one of its headings makes.
 */
const root = resolve(import.meta.dirname, '../..');
const REPO = 'https://github.com/dealflow/dealflow/';
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
const anchorsOf = (markdown: string) =>
  new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );

describe('README links work from the npm page', () => {
  it('has links, all absolute', () => {
    expect(links.length).toBeGreaterThan(30);
    expect(links.filter((l) => !/^(https?:\/\/|#)/.test(l))).toEqual([]);
  });

  it("every link into this repository names a file or folder that exists, and a heading's anchor", () => {
    const broken: string[] = [];
    for (const link of links.filter((l) => l.startsWith(REPO))) {
      const m = /^(?:blob|tree)\/main\/([^#]+?)\/?(?:#(.+))?$/.exec(link.slice(REPO.length));
      if (!m) {
        broken.push(`${link}: not a blob/ or tree/ link on main`);
        continue;
      }
      const [, path, anchor] = m;
      if (!existsSync(join(root, path!))) broken.push(`${link}: no ${path}`);
      else if (anchor && !anchorsOf(readFileSync(join(root, path!), 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${path}`);
    }
    expect(broken).toEqual([]);
  });
});
