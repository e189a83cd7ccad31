import { MigrationInterface, QueryRunner } from 'typeorm';

export class Escalation1795765739335 implements MigrationInterface {
  name = 'Escalation1795765739335';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "alert_deliveries" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "alert_id" uuid NOT NULL,
                "step" integer NOT NULL,
                "loop" integer NOT NULL,
                "target_index" integer NOT NULL,
                "channel" text NOT NULL,
                "target" text NOT NULL,
                "event_type" text NOT NULL,
                "payload" text NOT NULL,
                "status" text NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT '0',
                "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE,
                "last_error" text,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "delivered_at" TIMESTAMP(3) WITH TIME ZONE,
                CONSTRAINT "alert_deliveries_channel_check" CHECK (channel IN ('webhook', 'email')),
                CONSTRAINT "alert_deliveries_status_check" CHECK (
                    status IN (
                        'pending',
                        'sending',
                        'delivered',
                        'failed',
                        'cancelled'
                    )
                ),
                CONSTRAINT "PK_b3d51c95891264fb62df41582ad" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "alert_deliveries_open_idx" ON "alert_deliveries" ("next_attempt_at")
            WHERE status IN ('pending', 'sending')
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "alert_deliveries_key" ON "alert_deliveries" ("alert_id", "step", "loop", "target_index")
        `);
    await queryRunner.query(`
            CREATE TABLE "delivery_attempts" (
                "id" uuid NOT NULL,
                "delivery_id" uuid NOT NULL,
                "attempt" integer NOT NULL,
                "started_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "duration_ms" integer NOT NULL,
                "outcome" text NOT NULL,
                "response_status" integer,
                "error" text,
                CONSTRAINT "PK_41eba4eb5401d72860f7cd9a7ac" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "delivery_attempts_key" ON "delivery_attempts" ("delivery_id", "attempt")
        `);
    await queryRunner.query(`
            CREATE TABLE "alert_escalations" (
                "alert_id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "unit_id" text NOT NULL,
                "status" text NOT NULL,
                "step" integer NOT NULL DEFAULT '0',
                "loop" integer NOT NULL DEFAULT '0',
                "level" integer NOT NULL DEFAULT '0',
                "next_at" TIMESTAMP(3) WITH TIME ZONE,
                "policy" jsonb,
                "policy_source" text,
                "failed_deliveries" integer NOT NULL DEFAULT '0',
                "last_fired_at" TIMESTAMP(3) WITH TIME ZONE,
                "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "alert_escalations_next_at_check" CHECK ((status = 'active') = (next_at IS NOT NULL)),
                CONSTRAINT "alert_escalations_status_check" CHECK (
                    status IN (
                        'active',
                        'acknowledged',
                        'exhausted',
                        'ended',
                        'undeliverable'
                    )
                ),
                CONSTRAINT "PK_bc8f0e513169e669612ed4a4540" PRIMARY KEY ("alert_id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "alert_escalations_due_idx" ON "alert_escalations" ("next_at")
            WHERE status = 'active'
        `);
    await queryRunner.query(`
            CREATE TABLE "escalation_policies" (
                "tenant_id" uuid NOT NULL,
                "unit_id" text NOT NULL,
                "policy" jsonb NOT NULL,
                "webhook_secret" text NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "secret_rotated_at" TIMESTAMP(3) WITH TIME ZONE,
                CONSTRAINT "PK_e4de5e4726db76c13afbce3769d" PRIMARY KEY ("tenant_id", "unit_id")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP TABLE "escalation_policies"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."alert_escalations_due_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "alert_escalations"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."delivery_attempts_key"
        `);
    await queryRunner.query(`
            DROP TABLE "delivery_attempts"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."alert_deliveries_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."alert_deliveries_open_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "alert_deliveries"
        `);
  }
}
