import net from 'node:net';

/**
 * A TCP proxy a test puts between its stack and Postgres or Redis, to simulate an outage without
 * touching the shared servers:
 * - `cut()`: every connection is reset and new ones are refused at once (a server that is down);
 * - `stall()`: connections are accepted but nothing flows either way (a partition, a hung host),
 *   so only the client's own timeouts end a request;
 * - `restore()`: stalled sockets are dropped and traffic flows again.
 */
export interface TcpProxy {
  /** host:port clients connect to instead of the target. */
  readonly address: string;
  /** `url` with its host and port replaced by the proxy's. */
  route: (url: string) => string;
  cut: () => void;
  stall: () => void;
  restore: () => void;
  close: () => Promise<void>;
}

type Mode = 'open' | 'cut' | 'stalled';

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const targetHost = target.hostname;
  let mode: Mode = 'open';
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const dropAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };

  const server = net.createServer((client) => {
    track(client);
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    // Stalled: hold the socket and read nothing onward, as a hung host would.
    if (mode === 'stalled') return;
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const address = `127.0.0.1:${port}`;

  return {
    address,
    route: (url) => {
      const routed = new URL(url);
      routed.hostname = '127.0.0.1';
      routed.port = String(port);
      return routed.toString();
    },
    cut: () => {
      mode = 'cut';
      dropAll();
    },
    stall: () => {
      mode = 'stalled';
      // Established connections stop flowing too: pausing both ends buffers everything.
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    restore: () => {
      if (mode === 'stalled') dropAll();
      mode = 'open';
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
