/**
 * CPU time of the browser's renderer threads, from Linux's /proc: the page's main thread and its
 * workers (the engine's worker; onnxruntime's own threads when it runs several). On a machine
 * shared with other work, wall-clock rates move with everyone else's load; the CPU time a
 * generation takes moves far less. Null where /proc cannot be read (not Linux, a remote browser).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU used so far by the renderer processes this script's browser started. */
export function rendererCpuMs(): number | null {
  try {
    let ticks = 0;
    for (const pid of descendants(process.pid)) {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) ticks += cpuTicks(`/proc/${pid}/task/${tid}/stat`);
    }
    // Linux reports in clock ticks of 1/100 s (USER_HZ).
    return ticks * 10;
  } catch {
    return null;
  }
}

/** utime + stime of a /proc stat file (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuTicks(statFile: string): number {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    // A thread that ended meanwhile.
    return 0;
  }
}

function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      all.push(child);
      walk(child);
    }
  };
  walk(pid);
  return all;
}
