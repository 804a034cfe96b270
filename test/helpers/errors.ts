// The RoughcutError a promise rejects with, failing the test when it resolves or throws something else.
import { expect } from 'vitest';
import { RoughcutError } from '../../src/core/errors.js';

/** Awaits `promise` and returns the RoughcutError it rejects with. */
export async function roughcutErrorOf(promise: Promise<unknown>): Promise<RoughcutError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RoughcutError);
  return error as RoughcutError;
}
