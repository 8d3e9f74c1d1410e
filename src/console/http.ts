import { DealflowError, type DealflowErrorCode } from '../model/errors.js';

/** The codes the console answers with besides a DealflowError's own. */
export type ConsoleErrorCode = DealflowErrorCode | 'UNAUTHENTICATED' | 'CROSS_SITE' | 'TOO_LARGE' | 'NOT_JSON' | 'METHOD_NOT_ALLOWED' | 'BUSY' | 'INTERNAL';

/** A refusal the console itself makes (before the engine is asked). */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

/** The header every state-changing request must carry (a cross-site form cannot set it; a cross-site script must pass CORS, which the console never allows). */
export const CSRF_HEADER = 'x-dealflow-console';

const STATUS: Partial<Record<DealflowErrorCode, number>> = {
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

/**
 * The Content-Security-Policy: only the console's own script, style and API. A page may add a
 * nonce for style elements: the rules editor (CodeMirror) writes its theme into one.
 */
export function contentSecurityPolicy(styleNonce?: string): string {
  const style = styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'";
  return `default-src 'none'; script-src 'self'; ${style}; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/** Headers on every answer: no sniffing, no framing, nothing from elsewhere. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': contentSecurityPolicy(),
};

/** A JSON answer; never cached (it is one user's data). */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * An error as JSON: a DealflowError keeps its code, message, issues and details (403 for
 * FORBIDDEN, 404, 409, else 400); anything else is a 500 that says nothing of the internals.
 */
export function errorResponse(error: unknown): Response {
  if (error instanceof ConsoleError) return json({ error: { code: error.code, message: error.message } }, error.status);
  if (error instanceof DealflowError) {
    const details = error.issues.length > 0 ? { ...error.details, issues: error.issues } : error.details;
    return json({ error: { code: error.code, message: error.message, details } }, STATUS[error.code] ?? 400);
  }
  return json({ error: { code: 'INTERNAL', message: 'the console could not answer; the host’s log says why' } }, 500);
}

/**
 * Refuses a state-changing request that may come from another site: it must carry the console's
 * header, and the browser's own word on where it comes from (`Sec-Fetch-Site`, else `Origin`)
 * must be this origin or one the host allows. Clients that send neither (curl, a server) are
 * not browsers, so they cannot be tricked into sending a user's cookies.
 */
export function checkSameOrigin(request: Request, allowedOrigins: ReadonlyArray<string>): void {
  if (request.headers.get(CSRF_HEADER) !== '1') {
    throw new ConsoleError(403, 'CROSS_SITE', `a state-changing request needs the header ${CSRF_HEADER}: 1 (the console's own page sends it)`);
  }
  const site = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  const own = new URL(request.url).origin;
  if (origin !== null && origin !== own && !allowedOrigins.includes(origin)) {
    throw new ConsoleError(
      403,
      'CROSS_SITE',
      `cross-site request refused: origin ${origin} is not ${own}; pass allowedOrigins to createConsole if it should be`,
    );
  }
  // A browser that says same-site or cross-site is not on this origin (unless the host allows the origin it named).
  if (site !== null && site !== 'same-origin' && site !== 'none' && !(origin !== null && allowedOrigins.includes(origin))) {
    throw new ConsoleError(403, 'CROSS_SITE', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
}

/** Reads a JSON body of at most `maxBytes`: other media types, bigger bodies and bad JSON are refused before anything is done. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ConsoleError(415, 'NOT_JSON', 'send the body as JSON (Content-Type: application/json)');
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new ConsoleError(413, 'TOO_LARGE', `the body is ${declared} bytes; the console takes at most ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new ConsoleError(413, 'TOO_LARGE', `the body is over ${maxBytes} bytes, the most the console takes`);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new DealflowError('INVALID_INPUT', 'the body is not valid JSON');
  }
}
