import 'reflect-metadata';
import { loadConfigOrExit } from '@taperwatch/config';
import { runUntilSignalled } from '@taperwatch/runtime';
import { startApi } from './bootstrap';

/** `npm run start:api`: the HTTP API alone (any number may run beside workers). */
runUntilSignalled('api', async () => {
  const config = loadConfigOrExit();
  const app = await startApi(config);
  return [{ name: 'api', stop: () => app.close() }];
});
