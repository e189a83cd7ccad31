import { query } from './services';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it is true; false when `timeoutMs` passed first. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

/** The `n` of a `SELECT count(*)::int AS n …`. */
export const count = async (databaseUrl: string, sql: string, params: unknown[]) =>
  (await query<{ n: number }>(databaseUrl, sql, params))[0]?.n ?? 0;
