// One bcrypt thread of bcrypt-pool.ts: the sync calls run here, off libuv's threadpool.
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/bcrypt';
import type { BcryptReply, BcryptTask } from './bcrypt-pool.ts';

parentPort!.on('message', (m: BcryptTask & { id: number }) => {
  let reply: BcryptReply;
  try {
    reply = { id: m.id, ok: true, value: m.op === 'hash' ? hashSync(m.password, { cost: m.cost }) : verifySync(m.password, m.hash) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
