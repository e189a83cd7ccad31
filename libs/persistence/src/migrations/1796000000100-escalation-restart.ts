import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * alert_escalations.loop_base: an escalation restarted from step 0 (a new miss after an
 * acknowledgement, or the patient moved to another unit) counts its rounds from here, so its
 * deliveries (unique per alert, step, loop and target) and jobs never collide with earlier ones.
 */
export class EscalationRestart1796000000100 implements MigrationInterface {
  name = 'EscalationRestart1796000000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "alert_escalations" ADD "loop_base" integer NOT NULL DEFAULT '0'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "alert_escalations" DROP COLUMN "loop_base"
        `);
  }
}
