import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '@taperwatch/auth';
import { ProblemException, defaultProblem } from '@taperwatch/http';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** 200 when Postgres and Redis answer; otherwise 503 naming the one that failed. */
  @Get('ready')
  async ready() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('postgres', { timeout: 1000 }),
        () => this.redis.isHealthy('redis'),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as { error?: Record<string, unknown>; details?: unknown };
      const failed = Object.keys(result.error ?? {});
      throw new ProblemException({
        ...defaultProblem(503, `Not ready: ${failed.join(', ')} unavailable`),
        checks: result.details,
      });
    }
  }
}
