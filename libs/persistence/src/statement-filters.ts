/**
 * The WHERE of a named statement whose text follows from which filters are present: each
 * combination gets its own name, so Postgres plans it once per connection. Lists polled often
 * (a board's) cost more to plan each time than to run.
 */
export class StatementFilters {
  readonly where: string[] = [];

  /** `values` are the parameters the statement's fixed text already uses ($1…). */
  constructor(
    public name: string,
    readonly values: unknown[],
    ...where: string[]
  ) {
    this.where.push(...where);
  }

  /** A parameter for `value`: its placeholder ($n). */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds `condition` over one placeholder per value, and `key` to the statement's name. */
  and(key: string, condition: (...params: string[]) => string, ...values: unknown[]): void {
    this.where.push(condition(...values.map((value) => this.param(value))));
    this.name += `-${key}`;
  }
}
