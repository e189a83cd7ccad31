import { Injectable } from '@nestjs/common';
import { Principal, assertVisible } from '@taperwatch/auth';
import { drugOfConcept, findDrug } from '@taperwatch/domain';
import { ProblemException, decodeCursor, encodeCursor } from '@taperwatch/http';
import { doseFromRow, toDoseView } from '../dose-view';
import { DoseRecordingService } from './dose-recording.service';
import {
  EmarRecording,
  MedicationAdministration,
  asResourceProblem,
  toMedicationAdministration,
} from './medication-administration';
import { DosePatientRow, DosesRepository } from '../doses.repository';
import type { UnitScope } from '../watch/watch.repository';

export const FHIR_SEARCH_DEFAULT_COUNT = 50;
export const FHIR_SEARCH_MAX_COUNT = 200;

const PATIENT_PARAM =
  /^(?:Patient\/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface AdministrationSearch {
  patient: string;
  count?: number;
  cursor?: string;
}

export interface SearchPage {
  administrations: MedicationAdministration[];
  /** The cursor of the next page, if there is one. */
  next: string | null;
}

/**
 * An eMAR's MedicationAdministrations, recorded through the same DoseRecordingService as
 * POST /v1/doses/:id/administrations (once per dose, the watcher judging a dose not taken), and
 * read back as what was recorded for a patient.
 */
@Injectable()
export class MedicationAdministrationsService {
  constructor(
    private readonly repository: DosesRepository,
    private readonly recording: DoseRecordingService,
  ) {}

  /** Records the dose a resource names (fromMedicationAdministration); 404 outside the caller's units, 422 naming another patient or drug. */
  async record(principal: Principal, recording: EmarRecording) {
    const dose = await this.repository.dosePatient(recording.doseId, principal.tenantId);
    const found = assertVisible(principal, dose ? { ...dose, unitId: dose.unit_id } : null, 'Dose');
    this.assertSameDose(recording, found);
    const view = await this.recording
      .record(principal, recording.doseId, recording.administration)
      .catch((error: unknown) => {
        throw asResourceProblem(error);
      });
    return toMedicationAdministration(view, found.external_id);
  }

  /** A recorded dose by its id (the administration's id); 404 if unrecorded or not the caller's. */
  async read(principal: Principal, id: string): Promise<MedicationAdministration> {
    const row = await this.repository.recordedDose(scopeOf(principal), id);
    if (!row) throw ProblemException.notFound('MedicationAdministration');
    return toMedicationAdministration(toDoseView(doseFromRow(row)), row.external_id);
  }

  /**
   * What was recorded for a patient, newest dose first, as the rest of the API pages (a cursor
   * over due time and id). A patient outside the caller's units is a 404, as on /v1.
   */
  async search(principal: Principal, query: AdministrationSearch): Promise<SearchPage> {
    const match = PATIENT_PARAM.exec(query.patient);
    if (!match) {
      throw ProblemException.validation([
        {
          field: 'patient',
          message: 'must be a taperwatch patient id, or Patient/{id}',
          code: 'value',
        },
      ]);
    }
    const patientId = match[1]!.toLowerCase();
    const patient = await this.repository.patientUnit(patientId, principal.tenantId);
    assertVisible(principal, patient ? { unitId: patient.unit_id } : null, 'Patient');
    const count = query.count ?? FHIR_SEARCH_DEFAULT_COUNT;
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.recordedDosesOf(
      scopeOf(principal),
      patientId,
      after,
      count + 1,
    );
    const shown = rows.slice(0, count);
    const last = shown[shown.length - 1];
    return {
      administrations: shown.map((row) =>
        toMedicationAdministration(toDoseView(doseFromRow(row)), row.external_id),
      ),
      next:
        rows.length > count && last ? encodeCursor({ createdAt: last.due_at, id: last.id }) : null,
    };
  }

  /** The resource's patient and drug must be the dose's: a mismatch is a chart mix-up, not a recording. */
  private assertSameDose(recording: EmarRecording, dose: DosePatientRow): void {
    const { subject } = recording;
    const samePatient =
      'patientId' in subject
        ? subject.patientId === dose.patient_id
        : subject.externalId === dose.external_id;
    const errors = [];
    if (!samePatient) {
      errors.push({
        field: 'MedicationAdministration.subject',
        message: "is not this dose's patient: check the dose and the patient chart",
        code: 'processing',
      });
    }
    const named = recording.medication ? drugOfConcept(recording.medication) : undefined;
    if (named && named.code !== dose.drug_code) {
      const due = findDrug(dose.drug_code)?.name ?? dose.drug_code;
      errors.push({
        field: 'MedicationAdministration.medicationCodeableConcept',
        message: `names ${named.name}, but this dose is ${due}: record the dose of the drug given`,
        code: 'processing',
      });
    }
    if (errors.length > 0) {
      throw ProblemException.unprocessable(
        'The administration does not match the dose it names',
        errors,
      );
    }
  }
}

function scopeOf(principal: Principal): UnitScope {
  return { tenantId: principal.tenantId, units: principal.unitFilter ?? null };
}
