import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A unit's live alerts newest first, from an index of live alerts alone: the board's
 * `status=open` list read every alert the unit ever had to find the few still open
 * (decision 0039).
 */
export class LiveAlertsByUnit1797000000900 implements MigrationInterface {
  name = 'LiveAlertsByUnit1797000000900';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "alerts_live_unit_created_idx" ON "alerts" ("tenant_id", "unit_id", "created_at", "id")
            WHERE status <> 'resolved'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."alerts_live_unit_created_idx"`);
  }
}
