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
 * How long a `bourse` child may take before the test fails instead of waiting for ever: once
 * in many runs a child (`journal dump`) was seen stuck at start in a futex wait with no CPU
 * time used, which without a bound stalls the whole suite (and CI) until its own limit.
 */
export const CHILD_TIMEOUT_MS = 120_000;
