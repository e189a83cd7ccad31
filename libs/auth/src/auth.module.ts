import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Actors } from './actors';
import { ActorsRepository } from './actors.repository';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { CdsHooksClients } from './cds-hooks-clients';
import { KeyRevocations } from './key-revocations';
import { KeyUsage } from './key-usage';
import { PatientLinks } from './patient-links';
import { PatientLinksRepository } from './patient-links.repository';
import { RateLimits } from './rate-limits';
import { TokenVerifier } from './token-verifier';

@Global()
@Module({
  providers: [
    Actors,
    ActorsRepository,
    ApiKeysRepository,
    ApiKeysService,
    CdsHooksClients,
    KeyRevocations,
    KeyUsage,
    PatientLinks,
    PatientLinksRepository,
    RateLimits,
    TokenVerifier,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [Actors, ApiKeysService, CdsHooksClients, KeyRevocations, PatientLinks],
})
export class AuthModule {}
