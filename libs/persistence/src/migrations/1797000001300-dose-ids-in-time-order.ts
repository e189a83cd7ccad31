import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * uuid_v7(at): an RFC 9562 version 7 UUID, its first 48 bits the milliseconds of `at` (by
 * default the moment of the call), the other 74 free bits random. Doses are created with it, so
 * the doses written together (an hour of the horizon, a plan's schedule) sit together in the
 * primary key, and recording or claiming today's doses touches the key's recent end, not a leaf
 * anywhere in an index of millions of rows (decision 0047). Existing ids are kept: an id never
 * changes once given out.
 */
export class DoseIdsInTimeOrder1797000001300 implements MigrationInterface {
  name = 'DoseIdsInTimeOrder1797000001300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Bytes 1–6: the Unix time in ms; bits 52–53 set turn gen_random_uuid's version 4 into 7
    // (the variant bits are already RFC 9562's).
    await queryRunner.query(`
      CREATE FUNCTION uuid_v7(at timestamptz DEFAULT clock_timestamp()) RETURNS uuid
      LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                 PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3)
                 FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION uuid_v7(timestamptz)`);
  }
}
