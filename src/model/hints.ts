import { distance } from 'fastest-levenshtein';

/**
 * Fix-it hints for problems in rule and config JSON: "did you mean", the valid values, the form to
 * use. A zod message carries its hint after HINT_MARK; `issuesFromZod` splits the two, so an
 * issue has `message` and `hint`, and a message printed whole still reads naturally.
 */
export const HINT_MARK = '\n  hint: ';

/** A message with a hint, for zod error maps and custom issues. */
export function hinted(message: string, hint: string | undefined): string {
  return hint ? `${message}${HINT_MARK}${hint}` : message;
}

/** Splits a message made by `hinted` into its message and hint. */
export function splitHint(text: string): { message: string; hint?: string } {
  const at = text.indexOf(HINT_MARK);
  return at < 0 ? { message: text } : { message: text.slice(0, at), hint: text.slice(at + HINT_MARK.length) };
}

/** The candidate closest to `word`, when it is close enough to be a typo (case, a letter or two). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word === '') return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    if (c === word) return undefined;
    const score = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  // A typo is a small share of the word: 1 edit for short names, 2 for medium ones (a swap of two
  // letters is 2 edits), about a third of a longer one.
  const len = Math.max(word.length, best?.length ?? 0);
  const limit = len <= 3 ? 1 : len <= 6 ? 2 : Math.floor(len / 3);
  return bestScore <= limit ? best : undefined;
}

const quote = (s: string) => JSON.stringify(s);

/** `did you mean "x"? <what> "a", "b"`: the hint for an unknown name among `known` (`what`: "the stages are"). */
export function didYouMean(word: string, known: ReadonlyArray<string>, what: string, max = 20): string {
  const near = closest(word, known);
  const list = known.length === 0 ? `there are none` : `${what} ${known.slice(0, max).map(quote).join(', ')}${known.length > max ? ', …' : ''}`;
  return near ? `did you mean ${quote(near)}? ${list}` : list;
}

const UNITS: Record<string, string> = {
  minute: 'minutes',
  min: 'minutes',
  hour: 'hours',
  h: 'hours',
  day: 'days',
  d: 'days',
  week: 'weeks',
  w: 'weeks',
  'business day': 'businessDays',
  'working day': 'businessDays',
  'business hour': 'businessHours',
  'working hour': 'businessHours',
  'business minute': 'businessMinutes',
  'working minute': 'businessMinutes',
};

/** The object form of a duration written as text (`"5 days"` → `{ "days": 5 }`), or undefined when it does not read as one. */
export function durationFromText(text: string): string | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]+(?:\s+[a-z]+)?)\s*$/i.exec(text);
  if (!m) return undefined;
  const words = m[2]!.toLowerCase().split(/\s+/);
  words[words.length - 1] = words.at(-1)!.replace(/s$/, '');
  const unit = UNITS[words.join(' ')];
  return unit ? `{ "${unit}": ${Number(m[1])} }` : undefined;
}
