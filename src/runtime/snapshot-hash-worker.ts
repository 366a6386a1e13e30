// A short-lived thread that restores a snapshot image and hashes the state, so that the
// engine thread stalls only for the image: at 1,000,000 resting orders (106 MB), restoring
// and hashing took 1.2-1.4 s here, the engine thread's stall 10-11 ms for the image into a
// buffer it reuses (image-buffers.ts), 311-316 ms into fresh memory (`bourse bench
// recovery`). Restoring also proves the image restores.
// The image is read in place, in the engine thread's shared buffer: restore copies what it
// keeps, and the host does not hand the buffer back until this thread has answered.

import { parentPort, workerData } from 'node:worker_threads';
import { Engine } from '../core/index.js';

const image = (workerData as { image: Uint8Array<SharedArrayBuffer> }).image;
const started = performance.now();
const stateHash = Engine.restore(image).stateHash();
parentPort!.postMessage({ stateHash, hashMs: performance.now() - started });
