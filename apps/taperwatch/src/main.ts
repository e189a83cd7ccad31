import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startApi } from '@taperwatch/api';
import { loadConfigOrExit } from '@taperwatch/config';
import { resolveServices, runUntilSignalled } from '@taperwatch/runtime';
import { startWorker } from '@taperwatch/worker';

/**
 * `npm start`: the API and the workers in one process. This launcher is the one composition
 * root allowed to import both apps. Without DATABASE_URL/REDIS_URL (or REDIS_CLUSTER_NODES) it finds local services or
 * starts embedded ones, so a machine with only Node and npm can run taperwatch.
 */
runUntilSignalled('all', async () => {
  const services = await resolveServices(process.env, { database: 'taperwatch', dataDir: '.data' });
  console.log(
    JSON.stringify({
      level: 'info',
      name: 'taperwatch-all',
      msg: `postgres: ${services.sources.postgres}; redis: ${services.sources.redis}`,
    }),
  );
  const config = loadConfigOrExit({
    ...process.env,
    DATABASE_URL: services.databaseUrl,
    // Absent for a cluster; kept from the environment otherwise, so setting both is refused.
    ...(services.redisUrl ? { REDIS_URL: services.redisUrl } : {}),
    BOOTSTRAP_ADMIN_KEY:
      process.env.BOOTSTRAP_ADMIN_KEY ??
      localSecret('.data', 'admin-key', () => `tw_admin_${randomBytes(24).toString('base64url')}`),
    WEBHOOK_SECRET_ENCRYPTION_KEY:
      process.env.WEBHOOK_SECRET_ENCRYPTION_KEY ??
      localSecret('.data', 'webhook-secret-key', () => randomBytes(32).toString('base64')),
  });
  const api = await startApi(config);
  const worker = await startWorker(config);
  return [
    { name: 'http', stop: () => api.getHttpAdapter().close() },
    { name: 'workers', stop: worker.stop },
    { name: 'api', stop: () => api.close() },
    { name: 'services', stop: services.stop },
  ];
});

/**
 * A fresh install needs an admin key to create the others, and a key to encrypt webhook signing
 * secrets. When one is not configured, the launcher keeps it in the git-ignored .data directory
 * (readable by this user only) instead of printing a secret to the log.
 */
function localSecret(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${make()}\n`, { mode: 0o600 });
    console.log(
      JSON.stringify({
        level: 'info',
        name: 'taperwatch-all',
        msg: `${name} written to ${file}`,
      }),
    );
  }
  return readFileSync(file, 'utf8').trim();
}
