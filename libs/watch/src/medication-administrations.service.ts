import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, actorRefSql, assertVisible } from '@taperwatch/auth';
import { findDrug } from '@taperwatch/domain';
import { ProblemException, decodeCursor, encodeCursor } from '@taperwatch/http';
import { preparedQuery } from '@taperwatch/persistence';
import { DOSE_VIEW_COLUMNS, DoseRow, doseFromRow, toDoseView } from '@taperwatch/plans';
import { drugOfConcept } from '@taperwatch/supply';
import { DoseRecordingService } from './dose-recording.service';
import {
  EmarRecording,
  MedicationAdministration,
  asResourceProblem,
  toMedicationAdministration,
} from './medication-administration';

export const FHIR_SEARCH_DEFAULT_COUNT = 50;
export const FHIR_SEARCH_MAX_COUNT = 200;

interface DosePatientRow {
  patient_id: string;
  drug_code: string;
  unit_id: string;
  external_id: string | null;
}

type RecordedRow = DoseRow & { external_id: string | null };

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
    private readonly dataSource: DataSource,
    private readonly recording: DoseRecordingService,
  ) {}

  /** Records the dose a resource names (fromMedicationAdministration); 404 outside the caller's units, 422 naming another patient or drug. */
  async record(principal: Principal, recording: EmarRecording) {
    const [dose] = await preparedQuery<DosePatientRow>(
      this.dataSource.manager,
      'emar-dose-patient',
      `SELECT d.patient_id, d.drug_code, pt.unit_id, pt.external_id
       FROM doses d JOIN patients pt ON pt.id = d.patient_id
       WHERE d.id = $1 AND d.tenant_id = $2`,
      [recording.doseId, principal.tenantId],
    );
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
    const [row] = await this.recorded(principal, 'emar-read', 'd.id = $3', [id]);
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
    const [patient] = await preparedQuery<{ unit_id: string }>(
      this.dataSource.manager,
      'emar-patient',
      'SELECT unit_id FROM patients WHERE id = $1 AND tenant_id = $2 AND erased_at IS NULL',
      [patientId, principal.tenantId],
    );
    assertVisible(principal, patient ? { unitId: patient.unit_id } : null, 'Patient');
    const count = query.count ?? FHIR_SEARCH_DEFAULT_COUNT;
    const after = decodeCursor(query.cursor);
    const rows = after
      ? await this.recorded(
          principal,
          'emar-search-after',
          'd.patient_id = $3 AND (d.due_at, d.id) < ($4, $5)',
          [patientId, after.createdAt, after.id],
          count + 1,
        )
      : await this.recorded(principal, 'emar-search', 'd.patient_id = $3', [patientId], count + 1);
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

  /**
   * Recorded doses of the caller's tenant and units matching `where` (its parameters from $3),
   * newest first, at most `limit`. A dose the watcher marked missed is not an administration
   * until recorded; an erased patient's doses are nobody's to read (as on every patient route).
   */
  private recorded(
    principal: Principal,
    name: string,
    where: string,
    params: unknown[],
    limit?: number,
  ): Promise<RecordedRow[]> {
    const values = [principal.tenantId, principal.unitFilter ?? null, ...params];
    if (limit !== undefined) values.push(limit);
    return preparedQuery<RecordedRow>(
      this.dataSource.manager,
      name,
      `SELECT ${DOSE_VIEW_COLUMNS.map((c) => `d.${c}`).join(', ')}, pt.external_id,
              ${actorRefSql('d.recorded_by')} AS recorded_by_actor
       FROM doses d JOIN patients pt ON pt.id = d.patient_id
       WHERE d.tenant_id = $1 AND ($2::text[] IS NULL OR pt.unit_id = ANY($2))
         AND pt.erased_at IS NULL AND d.recorded_outcome IS NOT NULL AND ${where}
       ORDER BY d.due_at DESC, d.id DESC${limit === undefined ? '' : ` LIMIT $${values.length}`}`,
      values,
    );
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
