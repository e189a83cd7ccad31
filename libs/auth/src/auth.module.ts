import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { PatientLinks } from './patient-links';
import { RateLimits } from './rate-limits';

@Global()
@Module({
  providers: [
    ApiKeysService,
    PatientLinks,
    RateLimits,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, PatientLinks],
})
export class AuthModule {}
