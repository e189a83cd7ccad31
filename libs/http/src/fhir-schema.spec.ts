import { FhirSchema } from './fhir-schema';
import { toOperationOutcome } from './operation-outcome';
import { ProblemException } from './problem';

describe('FhirSchema', () => {
  const schema = new FhirSchema();
  const valid = {
    resourceType: 'MedicationAdministration',
    status: 'completed',
    medicationCodeableConcept: { text: 'Baclofen' },
    subject: { reference: 'Patient/1' },
    effectiveDateTime: '2026-01-05T08:00:00Z',
  };

  it('accepts a valid MedicationAdministration', () => {
    expect(schema.validate('MedicationAdministration', valid)).toEqual([]);
  });

  it('names every problem as a FHIRPath with its issue type', () => {
    const { subject: _subject, ...withoutSubject } = valid;
    const errors = schema.validate('MedicationAdministration', {
      ...withoutSubject,
      dosis: 1,
      identifier: [{ system: 7 }],
      effectiveDateTime: '2026-01-05 08:00',
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'MedicationAdministration.subject', message: 'is required', code: 'required' },
        expect.objectContaining({ field: 'MedicationAdministration.dosis', code: 'invalid' }),
        expect.objectContaining({
          field: 'MedicationAdministration.identifier[0].system',
          code: 'value',
        }),
        {
          field: 'MedicationAdministration.effectiveDateTime',
          message: 'is not a valid FHIR dateTime',
          code: 'value',
        },
      ]),
    );
    expect(errors).toHaveLength(4);
  });

  it('names a wrong or missing resourceType alone', () => {
    expect(schema.validate('MedicationAdministration', { resourceType: 'Patient' })).toEqual([
      expect.objectContaining({ field: 'MedicationAdministration.resourceType', code: 'value' }),
    ]);
    expect(schema.validate('MedicationAdministration', [])).toEqual([
      expect.objectContaining({ code: 'structure' }),
    ]);
  });

  it('answers field errors as one OperationOutcome issue each', () => {
    const problem = ProblemException.validation([
      { field: 'MedicationAdministration.status', message: 'is required', code: 'required' },
      { field: 'patient', message: 'is required' },
    ]).problem;
    expect(toOperationOutcome(problem)).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        expect.objectContaining({
          severity: 'error',
          code: 'required',
          expression: ['MedicationAdministration.status'],
          diagnostics: 'MedicationAdministration.status: is required',
        }),
        expect.not.objectContaining({ expression: expect.anything() }),
      ],
    });
  });
});
