import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU used by the PostgreSQL server on this machine so far, in ms: every live `postgres`
 * process's user + system time, plus what the postmaster collected from backends that exited.
 * Read before and after a run; the server is shared, so other clients' work counts too.
 */
export function serverCpuMs(): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return (total / ticks) * 1000;
}

/** CPU one process (a backend, say) has used so far, in ms (user + system); 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ 100: a tick is 10 ms
  } catch {
    return 0;
  }
}
