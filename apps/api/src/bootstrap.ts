import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppOverrides } from '@taperwatch/common';
import { AppConfig, parseTrustProxy } from '@taperwatch/config';
import { ApiModule } from './api.module';
import { configureHttpApp, createFastifyAdapter } from './http-server';

/** Builds the HTTP app without listening (tests listen on their own). */
export async function createApiApp(
  config: AppConfig,
  overrides: AppOverrides = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, overrides),
    // Validated at load, so parsing cannot fail here.
    createFastifyAdapter(parseTrustProxy(config.TRUST_PROXY) ?? false),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function startApi(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createApiApp(config);
  await app.listen(config.PORT, config.HOST);
  return app;
}
