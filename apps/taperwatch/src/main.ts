import 'reflect-metadata';
import { startApi } from '@taperwatch/api';
import { loadConfigOrExit } from '@taperwatch/config';
import { resolveServices, runUntilSignalled } from '@taperwatch/runtime';
import { startWorker } from '@taperwatch/worker';

/**
 * `npm start`: the API and the workers in one process. This launcher is the one composition
 * root allowed to import both apps. Without DATABASE_URL/REDIS_URL it finds local services or
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
    REDIS_URL: services.redisUrl,
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
