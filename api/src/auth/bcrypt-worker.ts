// One bcrypt thread of bcrypt-pool.ts: the sync calls run here, off libuv's threadpool.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/bcrypt';
import type { BcryptReply, BcryptTask } from './bcrypt-pool.ts';

// On Linux, a thread has a nice value of its own: this one yields the CPU to the event loop, the
// download engine's hashing and the database whenever they want it, so a flood of sign-ins slows
// sign-ins, not downloads (bench/auth-flood.ts). /proc/thread-self names this thread's id.
export const BCRYPT_NICE = 10;
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), BCRYPT_NICE);
} catch {
  // not Linux, or not allowed: hashes then compete as equals, still at most `size` at once
}

parentPort!.on('message', (m: BcryptTask & { id: number }) => {
  let reply: BcryptReply;
  try {
    reply = { id: m.id, ok: true, value: m.op === 'hash' ? hashSync(m.password, { cost: m.cost }) : verifySync(m.password, m.hash) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
