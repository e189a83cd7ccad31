import { MigrationInterface, QueryRunner } from 'typeorm';

/** People and systems signed in by a trusted token issuer, so every action can name them. */
export class Actors1797000000600 implements MigrationInterface {
  name = 'Actors1797000000600';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "actors" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "kind" text NOT NULL, "issuer" text NOT NULL, "subject" text NOT NULL, "name" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "seen_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "actors_kind_check" CHECK ("kind" IN ('person', 'system')), CONSTRAINT "PK_actors" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "actors_tenant_issuer_subject_key" ON "actors" ("tenant_id", "issuer", "subject")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "actors"`);
  }
}
