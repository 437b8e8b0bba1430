// The engine's process-wide resources: a keep-alive HTTP agent, the lean client's idle connections and
// the hash worker thread. They are shared (one pool per process serves every job) and owned by whoever
// opened the engine: an app opens it when it starts and closes it in its onClose hook, the benchmark
// around its run. The last holder to close releases them, so nothing outlives its owner.
import { closeHashThread } from './hash-thread.ts';
import { closeEngineAgent } from './http-client.ts';

let holders = 0;

export interface EngineHandle {
  /** Releases the engine's resources once no other holder needs them (idempotent). */
  close(): Promise<void>;
}

export function openEngine(): EngineHandle {
  holders++;
  let open = true;
  return {
    async close() {
      if (!open) return;
      open = false;
      if (--holders === 0) await closeEngine();
    },
  };
}

/** Releases everything now, whoever holds it (a process on its way out). */
export async function closeEngine(): Promise<void> {
  await Promise.all([closeEngineAgent(), closeHashThread()]);
}
