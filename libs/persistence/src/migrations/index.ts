import { Initial1795762671249 } from './1795762671249-initial-schema';

/** Every migration, in order. A test fails when the entities drift from these. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [Initial1795762671249];
