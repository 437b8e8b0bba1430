import { closeHashThread } from './hash-thread.ts';
import { closeEngineAgent } from './http-client.ts';

/** Releases what the engine keeps between downloads (server shutdown): its HTTP agent and hash thread. */
export async function closeEngine(): Promise<void> {
  await Promise.all([closeEngineAgent(), closeHashThread()]);
}
