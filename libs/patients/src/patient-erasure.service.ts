import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { Principal, assertVisible } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { PatientErasureRepository } from './patient-erasure.repository';

/**
 * Erasure (docs/decisions/0023-patient-erasure.md): the patient's identifiers go from every table
 * that held them, the patient id stays as the pseudonym under which clinical rows are kept (or
 * deleted, as ERASURE_CLINICAL_RECORDS says), and the audit trail, which never held an
 * identifier, is left whole so its chain still verifies.
 */
@Injectable()
export class PatientErasureService {
  constructor(
    private readonly repository: PatientErasureRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Erases the patient; a second call finds it erased and does nothing. 404 when unknown. */
  async erase(principal: Principal, id: string): Promise<void> {
    const tenantId = principal.tenantId;
    await this.repository.transaction(async (manager) => {
      const patient = await this.repository.lockPatient(manager, tenantId, id);
      const found = assertVisible(principal, patient, 'Patient');
      if (found.erasedAt) return;
      if (await this.repository.hasLivePlan(manager, tenantId, id)) {
        // Erasing would leave doses watched for a patient nobody can name: end the plan first.
        throw ProblemException.conflict(
          'The patient has a proposed, active or paused plan: cancel it before erasing the patient',
        );
      }
      await this.repository.removeIdentifiers(
        manager,
        tenantId,
        id,
        found.externalId,
        this.clock.now(),
      );
      if (this.config.ERASURE_CLINICAL_RECORDS === 'delete') {
        await this.repository.deleteClinicalRecords(manager, tenantId, id);
      }
    });
  }
}
