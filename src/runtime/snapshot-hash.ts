// The state hash of a snapshot image, computed on a thread of its own (see
// snapshot-hash-worker.ts). The image's buffer goes there and comes back (transferred).

import { Worker } from 'node:worker_threads';

export function hashSnapshotOffThread(bytes: Uint8Array): Promise<{ stateHash: string; bytes: Uint8Array; hashMs: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./snapshot-hash-worker.js', import.meta.url), { workerData: { bytes }, transferList: [bytes.buffer as ArrayBuffer] });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the snapshot hashing thread exited with code ${code}`));
    });
  });
}
