// Reads Linux's /proc for the benchmark: the resident memory of a process tree (sampled while a tool
// runs) and the CPU seconds of a server's processes (read before and after a run).
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux ABI that Node runs on. */
const TICKS = 100;
const PAGE_BYTES = 4096;

interface ProcStat {
  ppid: number;
  /** utime + stime of the process, seconds. */
  cpu: number;
  /** cutime + cstime: children it has waited for, seconds. */
  childrenCpu: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return {
      ppid: n(4),
      cpu: (n(14) + n(15)) / TICKS,
      childrenCpu: (n(16) + n(17)) / TICKS,
      rssBytes: n(24) * PAGE_BYTES,
    };
  } catch {
    return undefined; // the process has exited
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) children.push(...text.split(' ').map(Number));
    }
  } catch {
    // exited, or a kernel without /proc/<pid>/task/<tid>/children
  }
  return children;
}

/** Every process below `pid`, children first. */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...childrenOf(next));
  }
  return found;
}

/** The summed resident memory of `pid`'s descendants now, MB. */
export function treeResidentMb(pid: number): number {
  let bytes = 0;
  for (const child of descendants(pid)) bytes += readStat(child)?.rssBytes ?? 0;
  return bytes / 2 ** 20;
}

export interface TreeSampler {
  /** Stops sampling; the largest sum of resident memory seen, MB (0 when nothing was sampled). */
  stop(): number;
}

/** Samples the summed resident memory of `pid`'s descendants every `everyMs`. */
export function sampleTreeMemory(pid: number, everyMs = 50): TreeSampler {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, treeResidentMb(pid));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/**
 * CPU seconds a server has used so far: every process of its tree plus what the root has collected
 * from children that exited (PostgreSQL's backends end with their session; the postmaster reaps them).
 * The difference of two readings is the server's CPU between them, whoever caused it.
 */
export function serverCpuSeconds(rootPid: number): number | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  let total = root.cpu + root.childrenCpu;
  for (const pid of descendants(rootPid)) total += readStat(pid)?.cpu ?? 0;
  return total;
}

/** The parent of a process (to go from a PostgreSQL backend to its postmaster). */
export function parentOf(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
