import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
// Relative: jest's globalSetup imports this file outside the module mapper.
import { MIGRATIONS } from '../../persistence/src/migrations';

/**
 * The migrated template of one jest run: named after the migrations it holds and the run's
 * process, so checkouts at other versions, and two runs side by side, never share (or drop) one.
 */
export function templateDatabaseFor(runId: number | string): string {
  const migrations = createHash('sha256')
    .update(MIGRATIONS.map((m) => m.name).join())
    .digest('hex')
    .slice(0, 12);
  return `tw_template_${migrations}_${runId}`;
}

/** The template global setup made for this run (it sets TEST_TEMPLATE_DATABASE). */
function currentTemplate(): string {
  const name = process.env.TEST_TEMPLATE_DATABASE;
  if (!name) throw new Error('TEST_TEMPLATE_DATABASE is not set: run the e2e tests through jest');
  return name;
}

/** The same server's maintenance database, for CREATE/DROP DATABASE. */
export function adminUrlFor(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(adminUrl: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await admin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
}

export async function recreateDatabase(adminUrl: string, database: string, template?: string) {
  await admin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}"${template ? ` TEMPLATE "${template}"` : ''}`);
  });
  return withDatabase(adminUrl, database);
}

export interface TestDatabase {
  url: string;
  drop: () => Promise<void>;
}

/** A throw-away copy of the migrated template: each suite gets its own real database. */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  const adminUrl = adminUrlFor(baseUrl);
  const name = `tw_e2e_${randomBytes(5).toString('hex')}`;
  const url = await recreateDatabase(adminUrl, name, currentTemplate());
  return { url, drop: () => dropDatabase(adminUrl, name) };
}
