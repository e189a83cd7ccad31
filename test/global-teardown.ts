import type { ResolvedServices } from '../libs/runtime/src/local-services';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __services?: ResolvedServices }).__services?.stop();
}
