// A short-lived thread that maps every page of a new image buffer (image-buffers.ts) before
// the engine thread writes into it: the first touch of a page costs 12-15 us on this VM
// (400 ms for 106 MB), and here it costs no command anything. Then the buffer is FREE.
//
// It runs at the lowest priority, so that it takes no CPU the engine and main threads want:
// on our 2-vCPU VM, two threads touching 16 MB each at once took 56-58 ms against 51 ms
// for one alone, three took 100-109 ms: page faults do not slow each other, a third busy
// thread does. On Linux a nice value belongs to the thread that sets it; elsewhere it
// would be the whole process's, so it is left alone there.

import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { finishPreparing, touchPages } from './image-buffers.js';

if (process.platform === 'linux') setPriority(19);
const buffer = (workerData as { buffer: SharedArrayBuffer }).buffer;
// Abandoned on the way (the engine thread needed room before this was done), it is left so.
if (touchPages(buffer)) finishPreparing(buffer);
