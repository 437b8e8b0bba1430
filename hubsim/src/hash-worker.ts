// Hashes generated LFS content off the main thread, so a 4 GiB file does not freeze the servers.
import { parentPort, workerData } from 'node:worker_threads';
import { hashKeystream } from './content.ts';

const { seed, size } = workerData as { seed: string; size: number };
parentPort?.postMessage(hashKeystream(seed, size));
