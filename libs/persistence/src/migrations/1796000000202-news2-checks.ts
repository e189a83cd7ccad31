import { MigrationInterface, QueryRunner } from 'typeorm';

/** NEWS2 checks keep the highest single-parameter score: 3 in one parameter is a trigger. */
export class News2Checks1796000000202 implements MigrationInterface {
  name = 'News2Checks1796000000202';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" ADD "highest_parameter_score" smallint
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" DROP COLUMN "highest_parameter_score"
        `);
  }
}
