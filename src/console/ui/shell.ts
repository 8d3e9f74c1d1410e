import { createContext } from 'preact';
import type { SessionView } from '../views.js';

/** What every page shares: the session, a version that moves whenever data may have changed, and the screen-reader announcer. */
export interface ShellState {
  session: SessionView;
  version: number;
  /** Call after any change: every page loads its data again. */
  changed: () => void;
  /** Says something to screen readers (and shows it in the status line). */
  announce: (text: string, tone?: 'ok' | 'error') => void;
}

export const Shell = createContext<ShellState>(null as unknown as ShellState);
