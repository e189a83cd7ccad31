import { Client, ClientConfig } from 'pg';

const READ_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * pg's Client with a connect timeout of its own (the pool's timeout covers the whole wait for a
 * connection) and one fix: after a query read timeout pg keeps the socket, whose unanswered query
 * blocks every later one, so a silent connection is destroyed instead and the pool drops it.
 */
export function timedClient(connectTimeoutMs: number): typeof Client {
  return class TimedClient extends Client {
    constructor(config: ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }

    // pg's query() has many overloads; this wrapper only watches how each call ends.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: any[]): any {
      const last: unknown = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = (error: Error | null, result: unknown) => {
          this.dropIfSilent(error);
          (last as (error: Error | null, result: unknown) => void)(error, result);
        };
        return (super.query as (...a: unknown[]) => unknown)(...args);
      }
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) {
        return result.catch((error: Error) => {
          this.dropIfSilent(error);
          throw error;
        });
      }
      return result;
    }

    private dropIfSilent(error: Error | null): void {
      if (error?.message !== READ_TIMEOUT_MESSAGE) return;
      (
        this as unknown as { connection?: { stream?: { destroy(): void } } }
      ).connection?.stream?.destroy();
    }
  };
}

/** Lifts the read timeout of one connection (migrations run as long as they need). */
export function setReadTimeout(client: unknown, ms: number): void {
  const params = (client as { connectionParameters?: { query_timeout?: number } })
    .connectionParameters;
  if (params) params.query_timeout = ms;
}
