import { MigrationInterface, QueryRunner } from 'typeorm';

/** Outpatients' own signals: no report for too long (no_contact) and a supply running out (supply_low). */
export class OutpatientAlertTypes1796000000300 implements MigrationInterface {
  name = 'OutpatientAlertTypes1796000000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alerts" DROP CONSTRAINT "alerts_type_check"`);
    await queryRunner.query(`
            ALTER TABLE "alerts" ADD CONSTRAINT "alerts_type_check" CHECK (
                type IN ('missed_dose', 'abrupt_cessation_risk', 'withdrawal_symptoms',
                         'no_contact', 'supply_low'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alerts" DROP CONSTRAINT "alerts_type_check"`);
    await queryRunner.query(`
            ALTER TABLE "alerts" ADD CONSTRAINT "alerts_type_check" CHECK (
                type IN ('missed_dose', 'abrupt_cessation_risk', 'withdrawal_symptoms'))
        `);
  }
}
