import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** A webhook receiver on 127.0.0.1 answering 204 at once; counts what it was sent. */
export interface Receiver {
  url: string;
  /** Requests answered, and the first and last arrival (epoch ms) since the last `reset`. */
  stats: () => { requests: number; firstAt: number | null; lastAt: number | null };
  reset: () => void;
  close: () => Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let requests = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const now = Date.now();
      requests++;
      firstAt ??= now;
      lastAt = now;
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ requests, firstAt, lastAt }),
    reset: () => {
      requests = 0;
      firstAt = null;
      lastAt = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
