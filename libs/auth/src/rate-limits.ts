import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';

const MINUTE_S = 60;

function limiter(pointsPerMinute: number): RateLimiterMemory | undefined {
  return pointsPerMinute > 0
    ? new RateLimiterMemory({ points: pointsPerMinute, duration: MINUTE_S })
    : undefined;
}

function tooMany(res: RateLimiterRes, detail: string): ProblemException {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new ProblemException(ProblemException.of(429, detail).problem, {
    'retry-after': String(seconds),
  });
}

/**
 * The 429 of docs/api.md (Conventions), per process (so N API processes allow N times the rate): a budget per API key,
 * and one per client address for requests without a valid key, past which they are told to back
 * off (429) rather than 401. A valid key is never refused for its address: an address can be
 * shared (a ward behind NAT) or forged in X-Forwarded-For, and must not lock nurses out.
 */
@Injectable()
export class RateLimits {
  private readonly perKey?: RateLimiterMemory;
  private readonly authFailures?: RateLimiterMemory;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.perKey = limiter(config.RATE_LIMIT_PER_MINUTE);
    this.authFailures = limiter(config.AUTH_FAILURES_PER_MINUTE);
  }

  /** Throws 429 when the key has used its minute. */
  async chargeKey(keyId: string): Promise<void> {
    if (!this.perKey) return;
    await this.perKey.consume(keyId).catch((res: RateLimiterRes) => {
      throw tooMany(res, 'Too many requests with this API key');
    });
  }

  /** Counts a failed authentication; 429 instead of the 401 once the address's minute is used. */
  async failure(address: string, unauthenticated: ProblemException): Promise<ProblemException> {
    if (!this.authFailures) return unauthenticated;
    return this.authFailures.consume(address).then(
      () => unauthenticated,
      (res: RateLimiterRes) =>
        tooMany(res, 'Too many requests without a valid API key from this address'),
    );
  }
}
