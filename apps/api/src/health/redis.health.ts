import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { QUEUES, queueRedisClient } from '@taperwatch/queues';

const PING_TIMEOUT_MS = 1000;

/** Redis answers PING within a second on the queue's own connection. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectQueue(QUEUES.planning) private readonly queue: Queue,
  ) {}

  async isHealthy(key = 'redis') {
    const indicator = this.health.check(key);
    try {
      const client = await queueRedisClient(this.queue);
      if (client.status !== 'ready')
        return indicator.down({ message: `connection ${client.status}` });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
