import { findDrug } from '@taperwatch/domain';
import type { PlanEntity } from '@taperwatch/persistence';
import { planToFhirBundle } from './plan-fhir';
import { renderDoseChart, renderSchedulePage } from './plan-schedule-page';

const tablet = (strengthMg: number, count = 1) => [{ strengthMg, count }];

/**
 * A lorazepam → diazepam switch's first two steps as the planner writes them (1 mg lorazepam ≈
 * 10 mg diazepam, NHS Scotland [S16a]), then the stop: what the documents say each drug is.
 */
const SWITCH = {
  id: '0b9a3f4e-6f1c-4d61-9a55-7d0f4cbd2f10',
  drugCode: 'lorazepam',
  equivalentDrugCode: 'diazepam',
  version: 1,
  status: 'active',
  startDate: '2027-01-11',
  endDate: '2027-02-07',
  startDailyDoseMg: 30,
  targetDailyDoseMg: 0,
  createdAt: new Date('2027-01-10T12:00:00Z'),
  approvedAt: new Date('2027-01-10T12:00:00Z'),
  pausedAt: null,
  steps: [
    {
      index: 1,
      startDate: '2027-01-11',
      endDate: '2027-01-24',
      dailyDoseMg: 30,
      doses: [
        { time: '08:00', drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10, units: tablet(1) },
        { time: '14:00', drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10, units: tablet(1) },
        { time: '22:00', drugCode: 'diazepam', doseMg: 10, units: tablet(10) },
      ],
    },
    {
      index: 2,
      startDate: '2027-01-25',
      endDate: '2027-02-07',
      dailyDoseMg: 0,
      doses: [],
    },
  ],
} as unknown as PlanEntity;

describe('plan documents of a switch', () => {
  it('prints one line per drug per time, by name and own mg, totals only as equivalents', () => {
    const html = renderSchedulePage(SWITCH, findDrug, {
      externalId: 'MRN-<7>',
      unitId: 'ward-7',
      timezone: 'Europe/London',
    });
    // The ward's identifier and unit, escaped; no UUID of the plan or patient.
    expect(html).toContain('Patient <strong>MRN-&#60;7&#62;</strong>, unit ward-7');
    expect(html).not.toContain(SWITCH.id);
    expect(html).toContain('<h1>Lorazepam → diazepam switch</h1>');
    expect(html).toContain('08:00 — Lorazepam 1 mg: one 1 mg tablet');
    expect(html).toContain('22:00 — Diazepam 10 mg: one 10 mg tablet');
    expect(html).not.toMatch(/Lorazepam 10 mg/);
    expect(html).toContain('Lorazepam 2 mg<br>Diazepam 10 mg<br>');
    expect(html).toContain('(30 mg diazepam-equivalent)');
    expect(html).toContain('30 mg/day (diazepam-equivalent) to 0 mg/day (diazepam-equivalent)');
    const chart = renderDoseChart(SWITCH.steps as never, undefined, 'diazepam');
    expect(chart).toContain('<title>Daily dose (mg diazepam-equivalent) from 2027-01-11');
    expect(chart).toContain('>mg/day, diazepam-equivalent total</text>');
    expect(renderDoseChart(SWITCH.steps as never)).not.toContain('equivalent');
  });

  it('exports each drug of a step as its own MedicationRequest with its own mg', () => {
    const bundle = planToFhirBundle(SWITCH, 'MRN-1', findDrug, new Date('2027-01-10T12:00:00Z'));
    const requests = bundle.entry.map((e) => e.resource);
    expect(
      requests.map((r) => [
        r.id.slice(SWITCH.id.length),
        r.medicationCodeableConcept.text,
        r.dosageInstruction.map((d) =>
          'doseAndRate' in d ? d.doseAndRate[0].doseQuantity.value : undefined,
        ),
      ]),
    ).toEqual([
      ['-step-1', 'Lorazepam', [1, 1]],
      ['-step-1-drug-2', 'Diazepam', [10]],
      // The stop names each drug being stopped, with no dose.
      ['-step-2', 'Lorazepam', [undefined]],
      ['-step-2-drug-2', 'Diazepam', [undefined]],
    ]);
    expect(requests[1].note[0].text).toBe(
      "Step 1 of 2 (plan version 1): Diazepam 10 mg per day. The step's total over all its drugs is 30 mg per day (diazepam-equivalent).",
    );
  });
});
