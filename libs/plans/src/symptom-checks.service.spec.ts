import { Logger } from '@nestjs/common';
import { ManualClock } from '@taperwatch/common';
import type { AppConfig } from '@taperwatch/config';
import type { OwedAlert, SymptomChecksRepository } from './symptom-checks.repository';
import { SymptomChecksService } from './symptom-checks.service';

type Ctor = ConstructorParameters<typeof SymptomChecksService>;

/** The owed alerts the sweep finds, and which it marks raised. */
class FakeSymptomChecksRepository implements Pick<
  SymptomChecksRepository,
  'owedAlerts' | 'alertRaised'
> {
  readonly asked: { before: Date; limit: number }[] = [];
  readonly raised: string[] = [];

  constructor(private readonly owed: OwedAlert[]) {}

  owedAlerts(before: Date, limit: number): Promise<OwedAlert[]> {
    this.asked.push({ before, limit });
    return Promise.resolve(this.owed.slice(0, limit));
  }

  alertRaised(id: string): Promise<void> {
    this.raised.push(id);
    return Promise.resolve();
  }
}

const NOW = new Date('2026-03-02T10:00:00Z');
const SWEEP_MS = 60_000;

const owed = (id: string): OwedAlert => ({
  id,
  tenant_id: 'tenant-1',
  plan_id: `plan-${id}`,
  patient_id: 'patient-1',
  unit_id: 'ward-7',
  pending_alert: { severity: 'critical', message: 'COWS 30 (severe)' },
});

describe('SymptomChecksService.raisePendingAlerts against its repository', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('raises each owed alert, and one that fails again stays owed for the next sweep', async () => {
    const repository = new FakeSymptomChecksRepository([owed('c1'), owed('c2'), owed('c3')]);
    const alerts: string[] = [];
    const alertsService = {
      raise: (alert: { planId: string; type: string; severity: string; standalone: boolean }) => {
        if (alert.planId === 'plan-c2') return Promise.reject(new Error('Redis is away'));
        expect(alert).toMatchObject({
          type: 'withdrawal_symptoms',
          severity: 'critical',
          standalone: true,
        });
        alerts.push(alert.planId);
        return Promise.resolve();
      },
    };
    const service = new SymptomChecksService(
      repository as unknown as Ctor[0],
      {} as Ctor[1],
      {} as Ctor[2],
      new ManualClock(NOW),
      alertsService as unknown as Ctor[4],
      { MAINTENANCE_SWEEP_MS: SWEEP_MS } as AppConfig,
    );
    expect(await service.raisePendingAlerts()).toBe(2);
    // A check written within the last sweep is still being raised by its own request.
    expect(repository.asked).toEqual([
      { before: new Date(NOW.getTime() - SWEEP_MS), limit: expect.any(Number) },
    ]);
    expect(alerts).toEqual(['plan-c1', 'plan-c3']);
    expect(repository.raised).toEqual(['c1', 'c3']);
  });
});
