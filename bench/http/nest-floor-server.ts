import { Body, Controller, Get, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { runServer, scratchInsert } from './scratch-insert';

/**
 * The framework's floor: Nest on Fastify (the API's adapter) with the ceiling's INSERT and
 * nothing else on the route — no guard, pipe, hook or logger. The API's distance from it is
 * what taperwatch's own work per request costs; its distance from the ceiling is Nest's.
 */
const DB = Symbol('db');
type Db = ReturnType<typeof scratchInsert>;

@Controller()
class FloorController {
  constructor(@Inject(DB) private readonly db: Db) {}

  @Get('health')
  health() {
    return { ok: true };
  }

  @Post('floor')
  @HttpCode(201)
  create(@Body() body: { externalId: string; unitId: string }) {
    return this.db.insert(body);
  }
}

runServer('nest floor', async () => {
  const db = scratchInsert();
  @Module({ controllers: [FloorController], providers: [{ provide: DB, useValue: db }] })
  class FloorModule {}
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(db.port, '127.0.0.1');
  return { close: () => app.close().then(db.end) };
});
