import { readdirSync, readFileSync } from 'node:fs';

export interface ChildProcessStat {
  pid: number;
  /** /proc state letter: R, S, Z (zombie) ... */
  state: string;
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number;
}

/** Children of this process running `command`, zombies included, read from /proc like ps. */
export function childProcesses(command: string): ChildProcessStat[] {
  const children: ChildProcessStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const close = stat.lastIndexOf(')');
    // fields[0] is state (field 3), so ppid is fields[1], utime fields[11], stime fields[12].
    const fields = stat.slice(close + 2).split(' ');
    if (stat.slice(stat.indexOf('(') + 1, close) !== command || Number(fields[1]) !== process.pid) continue;
    children.push({ pid: Number(entry), state: fields[0] ?? '?', cpuTicks: Number(fields[11]) + Number(fields[12]) });
  }
  return children;
}
