import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every dose names the drug the nurse gives:
 * - plans.steps: every planned dose gets its drugCode (plans that give one drug stored none;
 *   crossover doses already had it);
 * - plans.equivalent_drug_code: the drug whose mg step dailyDoseMg counts in when it is not the
 *   plan's drug (a switch to diazepam); null when step totals are mg of the plan's drug;
 * - doses.drug_code and doses.equivalent_mg (the dose in the plan's daily-dose unit, equal to
 *   dose_mg unless a switch makes it a diazepam equivalent), backfilled from the step's dose at
 *   the row's local clock time (else the step's dose of the same mg, else the step's first);
 * - the unique key becomes (plan_id, due_at, drug_code): two drugs due at one instant (a DST gap)
 *   are two doses.
 */
export class DoseDrug1796000000000 implements MigrationInterface {
  name = 'DoseDrug1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "plans" ADD "equivalent_drug_code" text
        `);
    // Before drugCode is filled in: a dose naming a drug other than the plan's marks a switch.
    await queryRunner.query(`
            UPDATE "plans" p SET "equivalent_drug_code" = (
              SELECT min(d ->> 'drugCode')
                FROM jsonb_array_elements(p."steps") s, jsonb_array_elements(s -> 'doses') d
               WHERE d ->> 'drugCode' <> p."drug_code")
        `);
    await queryRunner.query(`
            UPDATE "plans" p SET "steps" = (
              SELECT coalesce(jsonb_agg(
                       jsonb_set(s, '{doses}', (
                         SELECT coalesce(jsonb_agg(
                                  CASE WHEN d ? 'drugCode' THEN d
                                       ELSE d || jsonb_build_object('drugCode', p."drug_code") END
                                  ORDER BY n), '[]'::jsonb)
                           FROM jsonb_array_elements(s -> 'doses') WITH ORDINALITY AS x(d, n)))
                       ORDER BY i), '[]'::jsonb)
                FROM jsonb_array_elements(p."steps") WITH ORDINALITY AS y(s, i))
             WHERE EXISTS (
              SELECT 1 FROM jsonb_array_elements(p."steps") s, jsonb_array_elements(s -> 'doses') d
               WHERE NOT d ? 'drugCode')
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ADD "drug_code" text
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ADD "equivalent_mg" numeric(10, 3)
        `);
    // The planned dose a row came from; equivalent_mg scales with the row's own mg, so a row whose
    // mg differs from the matched dose (two gap times merged) keeps the same ratio.
    await queryRunner.query(`
            UPDATE "doses" o SET
              "drug_code" = coalesce(x.dose ->> 'drugCode', x.plan_drug_code),
              "equivalent_mg" = CASE
                WHEN x.dose ? 'equivalentMg' AND (x.dose ->> 'doseMg')::numeric > 0
                THEN round(o."dose_mg" * (x.dose ->> 'equivalentMg')::numeric
                           / (x.dose ->> 'doseMg')::numeric, 3)
                ELSE o."dose_mg" END
            FROM (
              SELECT d."id", p."drug_code" AS plan_drug_code, m.dose
                FROM "doses" d
                JOIN "plans" p ON p."id" = d."plan_id"
                JOIN "patients" pt ON pt."id" = p."patient_id"
                LEFT JOIN LATERAL (
                  SELECT sd AS dose
                    FROM jsonb_array_elements(p."steps") s, jsonb_array_elements(s -> 'doses') sd
                   WHERE (s ->> 'index')::int = d."step_index"
                   ORDER BY (sd ->> 'time' = to_char(d."due_at" AT TIME ZONE pt."timezone", 'HH24:MI')) DESC,
                            ((sd ->> 'doseMg')::numeric = d."dose_mg") DESC
                   LIMIT 1) m ON true) x
            WHERE x."id" = o."id"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ALTER COLUMN "drug_code" SET NOT NULL
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ALTER COLUMN "equivalent_mg" SET NOT NULL
        `);
    await queryRunner.query(`
            DROP INDEX "public"."doses_plan_due_key"
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "doses_plan_due_drug_key" ON "doses" ("plan_id", "due_at", "drug_code")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Fails while two drugs share an instant (the old key cannot hold them) rather than drop a
    // dose; the drugCode filled into plans.steps stays (older code reads it as optional).
    await queryRunner.query(`
            DROP INDEX "public"."doses_plan_due_drug_key"
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "doses_plan_due_key" ON "doses" ("plan_id", "due_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "equivalent_mg"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "drug_code"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "equivalent_drug_code"
        `);
  }
}
