// CPU times from Linux's /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat, for the benchmarks that
// split CPU by process or thread. Times are in USER_HZ ticks: 100 a second on every Linux build Node supports.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100;

export interface ProcStat {
  /** The command (or thread) name, as in parentheses in the file. */
  name: string;
  /** utime + stime (fields 14 and 15). */
  ownMs: number;
  /** cutime + cstime (fields 16 and 17): what its reaped children used. */
  childrenMs: number;
}

export function parseProcStat(text: string): ProcStat {
  // Fields after the name in parentheses (which may hold spaces), from field 3 (state) on.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ms = (user: string, system: string) => ((Number(user) + Number(system)) * 1000) / CLOCK_TICKS_PER_S;
  return { name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), ownMs: ms(fields[11], fields[12]), childrenMs: ms(fields[13], fields[14]) };
}

/** CPU milliseconds each thread of a process used so far, with its name, from Linux /proc. */
export function threadTimes(pid: number): Map<string, { name: string; ms: number }> | undefined {
  const threads = new Map<string, { name: string; ms: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      const { name, ownMs } = parseProcStat(stat);
      threads.set(tid, { name, ms: ownMs });
    }
  } catch {
    return undefined;
  }
  return threads;
}
