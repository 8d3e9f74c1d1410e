import type { CalendarRefInput } from './calendar.js';

/** A user of the host's CRM, as dealflow needs to know them. */
export interface User {
  id: string;
  name?: string;
  email?: string;
  managerId?: string;
  roles?: string[];
  teamId?: string;
  /** IANA timezone; an owner calendar reads its working hours in it. */
  timezone?: string;
  /** The user's own working calendar (inline, or a name from `createEngine({ calendars })`); default the pipeline's. */
  calendar?: CalendarRefInput;
}
