import type { TaperRequestInput } from './contract';

/** Baclofen 20 mg TID to stop: the reference request of the specs (not used by the library). */
export const BACLOFEN_60_TID: TaperRequestInput = {
  drugCode: 'baclofen',
  route: 'oral',
  currentDosesMg: [20, 20, 20],
  administrationTimes: ['08:00', '14:00', '20:00'],
  startDate: '2025-01-06',
  goal: { type: 'discontinue' },
  reason: 'spasticity resolved',
};
