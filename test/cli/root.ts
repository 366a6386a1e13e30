// Where the checkout is, and its `bourse` command, for tests that run it as a person does.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export const root = repoRoot();
export const bin = join(root, 'bin', 'bourse.js');

/**
 * How long a `bourse` child may take before the test fails instead of waiting for ever.
 */
export const CHILD_TIMEOUT_MS = 120_000;

/**
 * Node flags for `bourse` children: optimizing on the main thread. Node 20 can deadlock at
 * exit when a background TurboFan job waits for a garbage collection that the exiting main
 * thread never runs (nodejs/node#54918): seen twice in a day of test runs here, a
 * `journal dump` child stuck in NodePlatform::DrainTasks (gdb). Only a flag at start avoids
 * it (v8.setFlagsFromString at run time does not stop concurrent compilation).
 */
export const CHILD_NODE_FLAGS = ['--no-concurrent-recompilation'];
