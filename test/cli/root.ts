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
