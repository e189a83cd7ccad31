import type { ResolvedServices } from '../libs/runtime/src/local-services';
import { adminUrlFor, dropDatabase } from '../libs/testing/src/databases';

export default async function globalTeardown(): Promise<void> {
  const { TEST_DATABASE_URL: url, TEST_TEMPLATE_DATABASE: template } = process.env;
  if (url && template) await dropDatabase(adminUrlFor(url), template);
  await (globalThis as { __services?: ResolvedServices }).__services?.stop();
}
