/** Something a process started and must stop, in the order given. */
export interface Stoppable {
  name: string;
  stop: () => Promise<unknown>;
}

/**
 * Starts a process's parts and stops them in order on SIGTERM/SIGINT. A failure to start is one
 * clear line on stderr and exit code 1, never a half-running process.
 */
export function runUntilSignalled(name: string, start: () => Promise<Stoppable[]>): void {
  let parts: Stoppable[] = [];
  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(name, `${signal}: stopping ${parts.map((p) => p.name).join(' → ')}`);
    let code = 0;
    for (const part of parts) {
      try {
        await part.stop();
      } catch (error) {
        code = 1;
        console.error(
          `taperwatch ${name}: stopping ${part.name} failed: ${(error as Error).message}`,
        );
      }
    }
    process.exit(code);
  };
  process.once('SIGTERM', () => void stopAll('SIGTERM'));
  process.once('SIGINT', () => void stopAll('SIGINT'));
  start().then(
    (started) => {
      parts = started;
      log(name, 'started');
    },
    (error: unknown) => {
      console.error(`taperwatch ${name}: failed to start: ${(error as Error).message ?? error}`);
      process.exit(1);
    },
  );
}

function log(name: string, msg: string): void {
  process.stdout.write(
    `${JSON.stringify({ level: 'info', time: new Date().toISOString(), name: `taperwatch-${name}`, msg })}\n`,
  );
}
