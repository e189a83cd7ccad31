import { ActorRef, BOOTSTRAP_KEY_ID } from './principal';

/**
 * SQL for who a *_by column names, as the API shows it ({ type, id, name }): a person or system
 * (its actors row: id = the issuer's subject), an API key (id = the key's id, name = its name), or
 * a patient reporting through their link (id = the link's id). NULL when the column is. One
 * fragment for every query that shows who acted, so they all name people alike.
 */
export function actorRefSql(column: string): string {
  return `(SELECT CASE
      WHEN a.id IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object('type', a.kind, 'id', a.subject, 'name', a.name))
      WHEN k.id IS NOT NULL THEN jsonb_build_object('type', 'api_key', 'id', k.id, 'name', k.name)
      WHEN l.id IS NOT NULL THEN jsonb_build_object('type', 'patient', 'id', l.id)
      WHEN x.id = '${BOOTSTRAP_KEY_ID}' THEN jsonb_build_object('type', 'api_key', 'id', x.id, 'name', '${BOOTSTRAP_KEY_NAME}')
      ELSE jsonb_build_object('type', 'api_key', 'id', x.id) END
    FROM (SELECT (${column})::uuid AS id) x
    LEFT JOIN actors a ON a.id = x.id
    LEFT JOIN api_keys k ON k.id = x.id
    LEFT JOIN patient_links l ON l.id = x.id
    WHERE x.id IS NOT NULL)`;
}

/** The name the bootstrap admin key (BOOTSTRAP_ADMIN_KEY, which has no api_keys row) is shown by. */
export const BOOTSTRAP_KEY_NAME = 'bootstrap admin key';

/** A DataSource or an EntityManager: anything that runs SQL. */
interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Who each of these *_by ids names, in one round trip (ids that are null are skipped). */
export async function actorRefsOf(
  db: Queryable,
  ids: readonly (string | null | undefined)[],
): Promise<Map<string, ActorRef>> {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  if (wanted.length === 0) return new Map();
  const rows = (await db.query(
    `SELECT w.id::text AS id, ${actorRefSql('w.id')} AS ref FROM unnest($1::uuid[]) AS w(id)`,
    [wanted],
  )) as { id: string; ref: ActorRef }[];
  return new Map(rows.map((row) => [row.id, row.ref]));
}
