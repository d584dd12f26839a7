/** The ModuleFailure a module's plan or apply rejects with; the test fails if it resolves or throws anything else. */
import { expect } from 'vitest';
import { ModuleFailure } from '../../src/modules/types.js';

export async function failure(p: Promise<unknown>): Promise<ModuleFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModuleFailure);
  return e as ModuleFailure;
}
