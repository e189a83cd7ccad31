import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * alert_deliveries.drug_code: the plan's drug, written when the step fires, so the sender
 * writes an e-mail from the delivery row alone (it never reads plans). Rows written before
 * this have none and name the drug "unknown", as a missing plan did.
 */
export class DeliveryDrug1797000000800 implements MigrationInterface {
  name = 'DeliveryDrug1797000000800';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alert_deliveries" ADD "drug_code" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alert_deliveries" DROP COLUMN "drug_code"`);
  }
}
