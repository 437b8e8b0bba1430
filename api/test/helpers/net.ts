import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A port handed to a child process is free only until someone else binds it. Two things did, and made
// tests fail at random: another test file's freePort() returning the same number, and the kernel giving
// that number to some socket bound to port 0 (every server in these tests). So ports come from below the
// kernel's ephemeral range, which it never hands out, and each is claimed in a folder shared by the
// test files of this run (scripts/test.ts makes it).
const REGISTRY = process.env.TEST_PORT_DIR ?? path.join(os.tmpdir(), 'd011dl-test-ports');

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function claim(port: number): boolean {
  try {
    mkdirSync(REGISTRY, { recursive: true });
    closeSync(openSync(path.join(REGISTRY, String(port)), 'wx'));
    return true;
  } catch {
    return false;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A loopback port nobody listens on, that no other test of this run gets and the kernel never assigns. */
export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  const low = Math.max(1025, high - 12_000);
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (claim(port) && (await bindable(port))) return port;
  }
}
