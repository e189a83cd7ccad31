import 'reflect-metadata';
import { loadConfigOrExit } from '@taperwatch/config';
import { runUntilSignalled } from '@taperwatch/runtime';
import { startWorker } from './bootstrap';

/** `npm run start:worker`: queue workers alone (any number may share one Postgres and Redis). */
runUntilSignalled('worker', async () => {
  const config = loadConfigOrExit();
  const worker = await startWorker(config);
  return [{ name: 'workers', stop: worker.stop }];
});
