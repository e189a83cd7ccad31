import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@taperwatch/persistence';
import { MIGRATIONS } from '../libs/persistence/src/migrations';
import { adminUrlFor, recreateDatabase } from '@taperwatch/testing';

/**
 * The migration that gives every dose its drug, run over rows written before it: a baclofen plan
 * (doses without drugCode) and a lorazepam → diazepam switch in London, whose rows must come out
 * naming the drug given at their local clock time, never the plan's drug for diazepam doses.
 */
describe('dose drug migration', () => {
  const name = `tw_e2e_mig_${randomUUID().slice(0, 8)}`;
  let url: string;
  let client: Client;
  const tenant = randomUUID();
  const patient = randomUUID();
  const baclofenPlan = randomUUID();
  const switchPlan = randomUUID();

  const migrate = async (count: number) => {
    const ds = new DataSource({
      ...dataSourceOptions({ url, poolSize: 1 }),
      migrations: MIGRATIONS.slice(0, count),
    });
    await ds.initialize();
    try {
      await ds.runMigrations();
    } finally {
      await ds.destroy();
    }
  };
  const upTo = MIGRATIONS.findIndex((m) => m.name === 'DoseDrug1796000000000');

  beforeAll(async () => {
    url = await recreateDatabase(adminUrlFor(process.env.TEST_DATABASE_URL!), name);
    await migrate(upTo);
    client = new Client({ connectionString: url });
    await client.connect();
    await client.query(
      `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone)
       VALUES ($1, $2, 'MRN-M', 'ward-7', 'Europe/London')`,
      [patient, tenant],
    );
    const plan = (id: string, drug: string, steps: unknown[]) =>
      client.query(
        `INSERT INTO plans (id, tenant_id, request_id, patient_id, drug_code, status, strategy,
                            start_date, end_date, start_daily_dose_mg, target_daily_dose_mg, steps,
                            doses_per_day)
         VALUES ($1, $2, $1, $3, $4, 'active', 'fixed', '2027-01-04', '2027-01-20', 30, 0, $5, 3)`,
        [id, tenant, patient, drug, JSON.stringify(steps)],
      );
    await plan(baclofenPlan, 'baclofen', [
      {
        index: 1,
        startDate: '2027-01-04',
        endDate: '2027-01-10',
        dailyDoseMg: 30,
        doses: ['08:00', '14:00', '20:00'].map((time) => ({ time, doseMg: 10, units: [] })),
      },
    ]);
    // The switch's second step as the planner stored it: lorazepam by day, diazepam at 22:00.
    await plan(switchPlan, 'lorazepam', [
      {
        index: 1,
        startDate: '2027-01-04',
        endDate: '2027-01-10',
        dailyDoseMg: 30,
        doses: [
          { time: '08:00', drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10, units: [] },
          { time: '14:00', drugCode: 'lorazepam', doseMg: 1, equivalentMg: 10, units: [] },
          { time: '22:00', drugCode: 'diazepam', doseMg: 10, units: [] },
        ],
      },
    ]);
    const dose = (planId: string, due: string, mg: number) =>
      client.query(
        `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, dose_mg)
         VALUES (gen_random_uuid(), $1, $2, $3, 1, $4, $5)`,
        [tenant, planId, patient, due, mg],
      );
    await dose(baclofenPlan, '2027-01-05T08:00:00Z', 10);
    await dose(switchPlan, '2027-01-05T08:00:00Z', 1);
    await dose(switchPlan, '2027-01-05T22:00:00Z', 10);
    await migrate(upTo + 1);
  });

  afterAll(async () => {
    await client?.end();
    const admin = new Client({ connectionString: adminUrlFor(url) });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('names each existing dose by the drug given at its local time, with its equivalent', async () => {
    const { rows } = await client.query<{ plan_id: string; drug_code: string; mg: string }>(
      `SELECT plan_id, drug_code, dose_mg::text AS mg, equivalent_mg::text AS eq
       FROM doses ORDER BY plan_id = $1 DESC, due_at`,
      [baclofenPlan],
    );
    expect(rows).toEqual([
      { plan_id: baclofenPlan, drug_code: 'baclofen', mg: '10.000', eq: '10.000' },
      { plan_id: switchPlan, drug_code: 'lorazepam', mg: '1.000', eq: '10.000' },
      { plan_id: switchPlan, drug_code: 'diazepam', mg: '10.000', eq: '10.000' },
    ]);
  });

  it('gives every stored step dose its drug and marks the switch as counted in diazepam', async () => {
    const { rows } = await client.query<{ id: string; equivalent_drug_code: string | null }>(
      `SELECT id, equivalent_drug_code,
              (SELECT array_agg(d ->> 'drugCode' ORDER BY d ->> 'time')
                 FROM jsonb_array_elements(steps) s, jsonb_array_elements(s -> 'doses') d) AS drugs
       FROM plans ORDER BY id = $1 DESC`,
      [baclofenPlan],
    );
    expect(rows).toEqual([
      { id: baclofenPlan, equivalent_drug_code: null, drugs: ['baclofen', 'baclofen', 'baclofen'] },
      {
        id: switchPlan,
        equivalent_drug_code: 'diazepam',
        drugs: ['lorazepam', 'lorazepam', 'diazepam'],
      },
    ]);
  });

  it('keeps two drugs due at one instant as two doses', async () => {
    const insert = (drug: string) =>
      client.query(
        `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                            dose_mg, equivalent_mg)
         VALUES (gen_random_uuid(), $1, $2, $3, 1, '2027-01-06T02:00:00Z', $4, 1, 1)`,
        [tenant, switchPlan, patient, drug],
      );
    await insert('lorazepam');
    await insert('diazepam');
    await expect(insert('diazepam')).rejects.toThrow(/doses_plan_due_drug_key/);
  });
});
