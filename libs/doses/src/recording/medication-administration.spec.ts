import { ProblemException } from '@taperwatch/http';
import {
  fromMedicationAdministration,
  toMedicationAdministration,
} from './medication-administration';

const DOSE = '0b7f2c1e-4a5d-4e8f-9c3b-2d1a6e7f8a90';
const OTHER = '1c8e3d2f-5b6e-4f90-8d4c-3e2b7f8a9b01';

const resource = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'MedicationAdministration',
  identifier: [{ system: 'urn:taperwatch:dose', value: DOSE }],
  status: 'completed',
  medicationCodeableConcept: { text: 'Baclofen' },
  subject: { reference: 'Patient/2d9f4e3a-6c7f-4a01-9e5d-4f3c8a9b0c12' },
  effectiveDateTime: '2026-01-05T08:10:00+01:00',
  ...overrides,
});

function fieldsOf(body: Record<string, unknown>): string[] {
  try {
    fromMedicationAdministration(body);
  } catch (error) {
    return ((error as ProblemException).problem.errors ?? []).map((e) => e.field);
  }
  throw new Error('expected a 400');
}

describe('fromMedicationAdministration', () => {
  it('reads a completed administration as the dose given at effectiveDateTime', () => {
    expect(
      fromMedicationAdministration(
        resource({ dosage: { dose: { value: 7.5, unit: 'mg' } }, note: [{ text: 'crushed' }] }),
      ),
    ).toEqual({
      doseId: DOSE,
      subject: { patientId: '2d9f4e3a-6c7f-4a01-9e5d-4f3c8a9b0c12' },
      medication: { text: 'Baclofen' },
      administration: {
        outcome: 'given',
        administeredAt: '2026-01-05T08:10:00+01:00',
        doseMg: 7.5,
        note: 'crushed',
      },
    });
  });

  it('takes the dose from request.identifier and the patient by external id', () => {
    const read = fromMedicationAdministration(
      resource({
        identifier: undefined,
        request: { identifier: { system: 'urn:taperwatch:dose', value: DOSE.toUpperCase() } },
        subject: { identifier: { system: 'urn:taperwatch:patient-external-id', value: 'MRN-7' } },
        status: 'not-done',
        statusReason: [{ text: 'Nil by mouth' }],
      }),
    );
    expect(read).toEqual(
      expect.objectContaining({
        doseId: DOSE,
        subject: { externalId: 'MRN-7' },
        administration: { outcome: 'not_given', note: 'Reason: Nil by mouth' },
      }),
    );
  });

  it('names every field it cannot record from', () => {
    expect(
      fieldsOf(
        resource({
          identifier: [
            { system: 'urn:taperwatch:dose', value: DOSE },
            { system: 'urn:local', value: 'x' },
            { system: 'urn:taperwatch:dose', value: OTHER },
          ],
          subject: { reference: 'Patient/MRN-7' },
          effectiveDateTime: '2026-01-05',
          dosage: { dose: { value: 0.0075, unit: 'g' } },
        }),
      ),
    ).toEqual([
      'MedicationAdministration.identifier[2]',
      'MedicationAdministration.subject',
      'MedicationAdministration.effectiveDateTime',
      'MedicationAdministration.dosage.dose',
    ]);
    expect(fieldsOf(resource({ identifier: [], status: undefined }))).toEqual([
      'MedicationAdministration.identifier',
      'MedicationAdministration.status',
    ]);
  });
});

describe('toMedicationAdministration', () => {
  it("names the dose's own drug and mg; a dose not given is dated when it was due", () => {
    const resource = toMedicationAdministration(
      {
        id: DOSE,
        planId: OTHER,
        patientId: 'p',
        dueAt: '2026-01-05T08:00:00.000Z',
        drugCode: 'diazepam',
        doseMg: 5,
        equivalentMg: 5,
        equivalentDrugCode: 'diazepam',
        stepIndex: 2,
        status: 'refused',
        outcome: 'refused',
        recordedBy: { type: 'api_key', id: OTHER },
        reportedVia: 'staff',
      },
      'MRN-7',
    );
    expect(resource).toEqual(
      expect.objectContaining({
        status: 'not-done',
        effectiveDateTime: '2026-01-05T08:00:00.000Z',
        medicationCodeableConcept: expect.objectContaining({ text: 'Diazepam' }),
        dosage: expect.objectContaining({
          text: 'Diazepam 5 mg',
          dose: expect.objectContaining({ value: 5, code: 'mg' }),
        }),
        request: expect.objectContaining({
          identifier: { system: 'urn:taperwatch:plan-step', value: `${OTHER}/2` },
        }),
      }),
    );
  });
});
