// Assertions state what must hold (TigerBeetle's TIGER_STYLE). A failed assertion is a bug
// in Bourse, never a user error: bad input is a Reject, not a throw. Messages are
// constants so that a passing assert costs one branch and builds nothing.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Closes a switch over a union: the compiler proves every member was handled. */
export function unreachable(value: never, message: string): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}

/**
 * O(n) invariant sweeps run only when VERIFY is on (tests, simulation, debug runs). It is a
 * mutable holder rather than an environment read: src/core reads no environment.
 */
export const verify = { enabled: false };
