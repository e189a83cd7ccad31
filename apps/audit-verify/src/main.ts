import { Client } from 'pg';
import { verifyAuditChain } from '@taperwatch/audit';

/**
 * `npm run audit:verify`: checks the audit trail's hash chain in DATABASE_URL's database. Exit 0
 * and a count when whole; exit 1 naming the first bad row (its seq and why) when not; exit 2
 * when it cannot check at all.
 */
async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('audit:verify: DATABASE_URL is not set');
    return 2;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const verdict = await verifyAuditChain(
      async (sql, params) => (await client.query(sql, params)).rows as unknown[],
    );
    if (verdict.ok) {
      process.stdout.write(
        `audit:verify: the chain is whole (${verdict.rows} rows); its last hash is ${verdict.lastHash}\n`,
      );
      return 0;
    }
    console.error(
      `audit:verify: the chain breaks at seq ${verdict.seq}: ${verdict.reason} ` +
        `(${verdict.rows} rows before it verified)`,
    );
    return 1;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`audit:verify: could not check: ${(error as Error).message}`);
    process.exit(2);
  },
);
