import { MigrationInterface, QueryRunner } from 'typeorm';

/** The numbered record of alert stream events, so a reconnecting board resumes (Last-Event-ID). */
export class AlertStreamEvents1797000000200 implements MigrationInterface {
  name = 'AlertStreamEvents1797000000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "alert_stream_events" (
                "id" BIGSERIAL NOT NULL,
                "tenant_id" uuid NOT NULL,
                "type" text NOT NULL,
                "alert" jsonb NOT NULL,
                "from_unit_id" text,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_d5a17fd43a506e30b20cfd8aedf" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "alert_stream_events_tenant_id_idx"
            ON "alert_stream_events" ("tenant_id", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "alert_stream_events_created_at_idx"
            ON "alert_stream_events" ("created_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alert_stream_events"`);
  }
}
