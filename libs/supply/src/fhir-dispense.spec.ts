import { ProblemException } from '@taperwatch/http';
import { fromMedicationDispense } from './fhir-dispense';

const base = {
  resourceType: 'MedicationDispense',
  status: 'completed',
  medicationCodeableConcept: { text: 'Baclofen 10 mg tablets' },
  quantity: { value: 21, unit: 'tablet' },
  whenHandedOver: '2027-05-03T07:00:00+01:00',
};

function problemOf(body: Record<string, unknown>) {
  try {
    fromMedicationDispense(body);
  } catch (error) {
    return (error as ProblemException).getResponse() as {
      status: number;
      errors: { field: string }[];
    };
  }
  throw new Error('accepted');
}

describe('a FHIR R4 MedicationDispense as a dispensing', () => {
  it('reads the drug by name, the tablet strength from text, tablets and the hand-over time', () => {
    expect(fromMedicationDispense({ ...base, id: 'md-7' })).toEqual({
      drugCode: 'baclofen',
      form: 'tablet',
      strengthMg: 10,
      quantity: 21,
      dispensedAt: '2027-05-03T07:00:00+01:00',
      fhirId: 'md-7',
    });
  });

  it('reads a liquid by its concentration, 5 mg/5 mL being 1 mg/mL, and the drug by our coding', () => {
    expect(
      fromMedicationDispense({
        ...base,
        medicationCodeableConcept: {
          coding: [{ system: 'urn:taperwatch:drug', code: 'baclofen' }],
          text: 'oral solution 5 mg/5 mL',
        },
        quantity: { value: 150, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
      }),
    ).toMatchObject({ drugCode: 'baclofen', form: 'liquid', mgPerMl: 1, quantity: 150 });
  });

  it('names each bad field: not completed, no strength, no time zone (400); an unknown drug (422)', () => {
    const bad = problemOf({
      ...base,
      status: 'in-progress',
      medicationCodeableConcept: { text: 'Baclofen tablets' },
      whenHandedOver: '2027-05-03T07:00:00',
    });
    expect(bad.status).toBe(400);
    expect(bad.errors.map((e) => e.field).sort()).toEqual([
      'medicationCodeableConcept.text',
      'status',
      'whenHandedOver',
    ]);
    const unknown = problemOf({ ...base, medicationCodeableConcept: { text: 'Unobtainium 5 mg' } });
    expect(unknown.status).toBe(422);
    expect(unknown.errors[0].field).toBe('medicationCodeableConcept');
  });
});
