import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** Where a newest-first page resumes: the last row shown. */
export interface NewestFirstCursor {
  createdAt: Date;
  id: string;
}

/**
 * A page of `alias` newest first, keyset-paginated over (created_at, id): rows strictly older than
 * `after` (the last row shown), `limit` at most. Every list of the API pages this way.
 */
export function newestFirst<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  after: NewestFirstCursor | undefined,
  limit: number,
): Promise<T[]> {
  if (after) {
    qb.andWhere(`(${alias}.created_at, ${alias}.id) < (:at, :id)`, {
      at: after.createdAt,
      id: after.id,
    });
  }
  return qb
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(limit)
    .getMany();
}
