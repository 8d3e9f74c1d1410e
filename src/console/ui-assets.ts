/**
 * The browser app's files: the page's script and stylesheet, and every file they load (the pages
 * loaded on demand: the charts, the rules editor), by content-hashed name.
 */
export interface UiAssets {
  /** The name of the page's script in `files`. */
  script: string;
  /** The name of the page's stylesheet in `files`. */
  stylesheet: string;
  /** Every file of the app by name: the script, the chunks it imports when a page needs them, the stylesheet. */
  files: Record<string, string>;
}
