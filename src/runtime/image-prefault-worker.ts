// A short-lived thread that maps every page of a new image buffer (image-buffers.ts) before
// the engine thread writes into it: the first touch of a page costs about 15 us on this VM
// (400 ms for 106 MB), and here it costs no command anything. Then the buffer is FREE.

import { workerData } from 'node:worker_threads';
import { finishPreparing, touchPages } from './image-buffers.js';

const buffer = (workerData as { buffer: SharedArrayBuffer }).buffer;
touchPages(buffer);
finishPreparing(buffer);
