// A short-lived thread that restores a snapshot image and hashes the state, so that the
// engine thread stalls only for the image (image-buffers.ts): at 1,000,000 resting orders the
// hash took 366 ms. Restoring also proves the image restores.
// The image is read in place, in the engine thread's shared buffer: restore copies what it
// keeps, and the host does not hand the buffer back until this thread has answered.

import { parentPort, workerData } from 'node:worker_threads';
import { Engine } from '../core/index.js';

const image = (workerData as { image: Uint8Array<SharedArrayBuffer> }).image;
const started = performance.now();
const stateHash = Engine.restore(image).stateHash();
parentPort!.postMessage({ stateHash, hashMs: performance.now() - started });
