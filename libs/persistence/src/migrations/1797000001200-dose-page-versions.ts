import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a dose page shows of a dose: a change to any of these is a new version of its plan's page.
 * The migration keeps its own list (the page's DOSE_VIEW_COLUMNS and plan_id, patient_id): what it
 * installed must not change when the view does; a column the view adds comes with a migration.
 */
const SHOWN = [
  'plan_id',
  'patient_id',
  'step_index',
  'due_at',
  'drug_code',
  'dose_mg',
  'equivalent_mg',
  'status',
  'administered_at',
  'recorded_by',
  'reported_via',
  'note',
  'missed_at',
  'recorded_outcome',
  'timeliness',
  'minutes_from_due',
  'given_mg',
];

const row = (alias: string) => `(${SHOWN.map((c) => `${alias}.${c}`).join(', ')})`;

const SHARED = `'00000000-0000-0000-0000-000000000000'`;

/**
 * A new version for each plan `planIds` selects, in plan id order so two statements moving the
 * same plans lock their rows alike. Written into each trigger function, not called as a SQL
 * function: PL/pgSQL keeps its statements' plans, a SQL function is planned on every call.
 */
const MOVE = (planIds: string) => `
        INSERT INTO dose_page_versions AS v (plan_id, version)
        SELECT id, nextval('dose_page_version_seq')
        FROM (SELECT DISTINCT id FROM (${planIds}) AS u(id) WHERE id IS NOT NULL ORDER BY id) s
        ON CONFLICT (plan_id) DO UPDATE SET version = EXCLUDED.version`;

/**
 * A version per plan of what its dose page shows, written by triggers in the transaction that
 * changes the doses, so the API can serve a page it keeps while the version is unchanged
 * (decision 0046). Versions come from a sequence: never reused, even after a row is removed.
 * The all-zero plan id is what every page shares (who recorded a dose): a rename, or a TRUNCATE
 * of doses, moves it and with it every page.
 */
export class DosePageVersions1797000001200 implements MigrationInterface {
  name = 'DosePageVersions1797000001200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE SEQUENCE "dose_page_version_seq";
      CREATE TABLE "dose_page_versions" (
        "plan_id" uuid PRIMARY KEY,
        "version" bigint NOT NULL
      );
      INSERT INTO "dose_page_versions" VALUES (${SHARED}, nextval('dose_page_version_seq'));

      CREATE FUNCTION "dose_pages_rows_written"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${MOVE('SELECT plan_id FROM changed')};
        RETURN NULL;
      END $$;

      -- Arming, queueing checks and settling judgements change nothing a page shows: no new version.
      CREATE FUNCTION "dose_pages_rows_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${MOVE(`SELECT unnest(ARRAY[n.plan_id, o.plan_id]) FROM changed n JOIN previous o ON o.id = n.id
                WHERE ${row('n')} IS DISTINCT FROM ${row('o')}`)};
        RETURN NULL;
      END $$;

      CREATE FUNCTION "dose_pages_all_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${MOVE(`SELECT ${SHARED}::uuid`)};
        RETURN NULL;
      END $$;

      CREATE TRIGGER "doses_inserted_move_pages" AFTER INSERT ON "doses"
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_rows_written();
      CREATE TRIGGER "doses_deleted_move_pages" AFTER DELETE ON "doses"
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_rows_written();
      CREATE TRIGGER "doses_updated_move_pages" AFTER UPDATE ON "doses"
        REFERENCING OLD TABLE AS previous NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_rows_updated();
      CREATE TRIGGER "doses_truncated_move_pages" AFTER TRUNCATE ON "doses"
        FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_all_moved();

      -- Who recorded a dose is shown by name: renaming one moves every page (renames are rare).
      CREATE TRIGGER "actors_renamed_move_pages" AFTER UPDATE OF name, kind, subject ON "actors"
        FOR EACH ROW WHEN ((OLD.name, OLD.kind, OLD.subject) IS DISTINCT FROM (NEW.name, NEW.kind, NEW.subject))
        EXECUTE FUNCTION dose_pages_all_moved();
      CREATE TRIGGER "actors_deleted_move_pages" AFTER DELETE ON "actors"
        FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_all_moved();
      CREATE TRIGGER "api_keys_renamed_move_pages" AFTER UPDATE OF name ON "api_keys"
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION dose_pages_all_moved();
      CREATE TRIGGER "api_keys_deleted_move_pages" AFTER DELETE ON "api_keys"
        FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_all_moved();
      CREATE TRIGGER "patient_links_deleted_move_pages" AFTER DELETE ON "patient_links"
        FOR EACH STATEMENT EXECUTE FUNCTION dose_pages_all_moved();
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER "patient_links_deleted_move_pages" ON "patient_links";
      DROP TRIGGER "api_keys_deleted_move_pages" ON "api_keys";
      DROP TRIGGER "api_keys_renamed_move_pages" ON "api_keys";
      DROP TRIGGER "actors_deleted_move_pages" ON "actors";
      DROP TRIGGER "actors_renamed_move_pages" ON "actors";
      DROP TRIGGER "doses_truncated_move_pages" ON "doses";
      DROP TRIGGER "doses_updated_move_pages" ON "doses";
      DROP TRIGGER "doses_deleted_move_pages" ON "doses";
      DROP TRIGGER "doses_inserted_move_pages" ON "doses";
      DROP FUNCTION "dose_pages_all_moved"();
      DROP FUNCTION "dose_pages_rows_updated"();
      DROP FUNCTION "dose_pages_rows_written"();
      DROP TABLE "dose_page_versions";
      DROP SEQUENCE "dose_page_version_seq";
    `);
  }
}
