// CPU times from Linux's /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat, for the benchmarks that
// split CPU by process or thread. Times are in USER_HZ ticks: 100 a second on every Linux build Node supports.
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
