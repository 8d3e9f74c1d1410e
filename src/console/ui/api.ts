import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { ErrorView } from '../views.js';
import { Shell } from './shell.js';

/** Where the host mounted the console (the server writes it into the page). */
export const BASE = document.querySelector('meta[name="dealflow-console-base"]')?.getAttribute('content') ?? '';

/** An API refusal: HTTP status, the DealflowError (or console) code, and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (method === 'POST') {
    // The console's header and a JSON body: what the server's CSRF check asks of a state change.
    init.headers = { accept: 'application/json', 'content-type': 'application/json', 'x-dealflow-console': '1' };
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(`${BASE}/api/${path}`, init);
  const data = (await res.json().catch(() => null)) as T | ErrorView | null;
  if (!res.ok) {
    const e = (data as ErrorView | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `${res.status} ${res.statusText}`, e?.details ?? {});
  }
  return data as T;
}

/** A GET of the API. */
export const get = <T>(path: string): Promise<T> => call<T>('GET', path);
/** A state-changing POST of the API. */
export const post = <T>(path: string, body?: unknown): Promise<T> => call<T>('POST', path, body);

/** Loads `path` and loads it again whenever anything changed (after any action, the clock, a user switch). */
export function useApi<T>(path: string | null): { data: T | undefined; error: ApiError | undefined; reload: () => void } {
  const { version } = useContext(Shell);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [own, setOwn] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    get<T>(path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => live && setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e))),
    );
    return () => {
      live = false;
    };
  }, [path, version, own]);
  const reload = useCallback(() => setOwn((n) => n + 1), []);
  return { data, error, reload };
}

/** What the user is told when the engine refuses: the action in words, then the engine's own message. */
export function refusal(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e);
  const action = typeof e.details.action === 'string' ? e.details.action : undefined;
  const words: Record<string, string> = {
    'deal.moveBackward': 'you may not move a deal back to an earlier stage',
    'deal.move': 'you may not move this deal',
    'deal.create': 'you may not create this deal',
    'approval.decide': 'you may not decide this approval',
    'outbox.manage': 'you may not retry or discard this message',
  };
  if (e.code === 'FORBIDDEN') return `Refused: ${(action && words[action]) ?? e.message}. (${e.code})`;
  return `${e.message} (${e.code})`;
}
