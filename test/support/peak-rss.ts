/**
 * A process's peak resident set size, as the kernel keeps it (VmHWM in
 * /proc/<pid>/status): every page the process ever had resident counts, however
 * briefly, so no sampling can miss a spike. Linux only; tests that need it skip
 * elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Whether {@link peakRssBytes} works here. */
export const canMeasurePeakRss = existsSync('/proc/self/status');

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The largest resident set size process `pid` has had, in bytes. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** The resident set size of process `pid` now, in bytes. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}
