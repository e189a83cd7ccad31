import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
// Relative: jest's globalSetup imports this file outside the module mapper.
import { MIGRATIONS } from '../../persistence/src/migrations';

/** Named after the migrations it holds, so checkouts at other versions never share one. */
export const TEMPLATE_DATABASE = `taperwatch_test_template_${createHash('sha256')
  .update(MIGRATIONS.map((m) => m.name).join())
  .digest('hex')
  .slice(0, 12)}`;

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
  const url = await recreateDatabase(adminUrl, name, TEMPLATE_DATABASE);
  return {
    url,
    drop: () =>
      admin(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
