/**
 * Runs `task` one at a time: a call while a run is under way waits for it and then shares the
 * one run that starts after it, however many calls arrive meanwhile. So at most one run and one
 * waiting, and a caller still gets a run that started after it called.
 */
export class OneAtATime<T> {
  private running?: Promise<T>;
  private following?: Promise<T>;

  constructor(private readonly task: () => Promise<T>) {}

  run(): Promise<T> {
    if (!this.running) return this.start();
    this.following ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.following = undefined;
        return this.start();
      });
    return this.following;
  }

  private start(): Promise<T> {
    const run = this.task().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
