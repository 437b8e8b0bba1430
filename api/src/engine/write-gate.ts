// Whether received bytes are written the moment they arrive, on the event loop, or staged and written on
// libuv's threads (receive.ts). Written at once, a chunk is copied into the page cache while it is still
// in the CPU's cache, as aria2c does: at 1 GB/s that cut the engine's CPU per byte by a third or more
// (bench/README.md, "Writes on arrival"). But writes that block (a NAS slow to answer, the kernel
// throttling a writer whose disk cannot keep up) would hold up every socket and request of the process.
// So a device whose writes block gets staged writes for a while, and longer each time it happens again.
// A single short hiccup does not count: on a busy machine any thread is descheduled now and then.

/** one write this long is a stall */
const STALL_MS = 100;
/** a write this long is a hiccup; several within a second mean the device is slow */
const HICCUP_MS = 25;
const HICCUPS = 4;
/**
 * writes that take this long on average (over at least MIN_WRITES within a second) come from a slow
 * device, not from copying into the page cache (tens of microseconds per chunk)
 */
const SLOW_AVERAGE_MS = 2;
const MIN_WRITES = 20;
const WINDOW_MS = 1000;
const FIRST_PAUSE_MS = 10_000;
const MAX_PAUSE_MS = 5 * 60_000;
/** a slow spell this long after the last one starts again from the first pause */
const FORGET_MS = 10 * 60_000;

interface Gate {
  stagedUntil: number;
  pause: number;
  lastSlow: number;
  windowStart: number;
  busy: number;
  writes: number;
  hiccups: number;
}

const gates = new Map<number, Gate>();

/** True unless writes to `device` (a file system's st_dev) have lately been slow. */
export function writeAtOnce(device: number, now: number): boolean {
  const g = gates.get(device);
  return g === undefined || now >= g.stagedUntil;
}

/** Reports a write made on the event loop; slow ones turn the device to staged writes for a while. */
export function wroteAtOnce(device: number, startedAt: number, now: number): void {
  const took = now - startedAt;
  let g = gates.get(device);
  if (!g) {
    g = { stagedUntil: 0, pause: FIRST_PAUSE_MS, lastSlow: Number.NEGATIVE_INFINITY, windowStart: now, busy: 0, writes: 0, hiccups: 0 };
    gates.set(device, g);
  }
  if (now - g.windowStart >= WINDOW_MS) {
    g.windowStart = now;
    g.busy = 0;
    g.writes = 0;
    g.hiccups = 0;
  }
  g.busy += took;
  g.writes++;
  if (took >= HICCUP_MS) g.hiccups++;
  const slowOnAverage = g.writes >= MIN_WRITES && g.busy / g.writes >= SLOW_AVERAGE_MS;
  if (took < STALL_MS && g.hiccups < HICCUPS && !slowOnAverage) return;
  if (now - g.lastSlow > FORGET_MS) g.pause = FIRST_PAUSE_MS;
  g.stagedUntil = now + g.pause;
  g.pause = Math.min(g.pause * 2, MAX_PAUSE_MS);
  g.lastSlow = now;
  g.busy = 0;
  g.writes = 0;
  g.hiccups = 0;
}

/** Forgets every device's history (tests). */
export function resetWriteGates(): void {
  gates.clear();
}
