// The state hash of a snapshot image, computed on a thread of its own (see
// snapshot-hash-worker.ts). The image stays where the engine thread wrote it, in one of its
// shared image buffers (image-buffers.ts): the thread reads it there, nothing is copied or
// transferred, and the caller keeps the buffer held until the promise settles.

import { Worker } from 'node:worker_threads';

export function hashSnapshotOffThread(image: Uint8Array<SharedArrayBuffer>): Promise<{ stateHash: string; hashMs: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./snapshot-hash-worker.js', import.meta.url), { workerData: { image } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the snapshot hashing thread exited with code ${code}`));
    });
  });
}
