import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ConsoleHandler } from './console.js';

/**
 * Adapts the console's fetch handler to Node's `http` (and Express, Connect, Fastify's raw
 * handler): `http.createServer(nodeListener(handler))`. The request's URL is built from its Host
 * header over `protocol` (default http; pass `https` behind a TLS-terminating proxy).
 */
export function nodeListener(handler: ConsoleHandler, options: { protocol?: 'http' | 'https' } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const protocol = options.protocol ?? 'http';
  return (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>);
    const request = new Request(`${protocol}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method,
      headers,
      ...(body ? { body, duplex: 'half' } : {}),
    } as RequestInit);
    handler(request)
      .then(async (response) => {
        res.statusCode = response.status;
        response.headers.forEach((value, name) => res.setHeader(name, value));
        res.end(method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
      })
      .catch((error: unknown) => {
        // The handler answers its own errors; this is only a broken connection or the like.
        if (!res.headersSent) res.statusCode = 500;
        res.end();
        req.destroy(error instanceof Error ? error : undefined);
      });
  };
}
