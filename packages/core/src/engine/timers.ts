// Core runs in browsers and Node alike: reach the timer functions through globalThis.
interface TimerHost {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const host = globalThis as unknown as TimerHost;

/** A restartable one-shot timer. */
export class Deadline {
  private handle: unknown = undefined;
  private readonly ms: number | undefined;
  private readonly onExpire: () => void;

  constructor(ms: number | undefined, onExpire: () => void) {
    this.ms = ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
    this.onExpire = onExpire;
  }

  get armed(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    if (this.ms === undefined) return;
    this.stop();
    this.handle = host.setTimeout(() => {
      this.handle = undefined;
      this.onExpire();
    }, this.ms);
  }

  stop(): void {
    if (this.handle === undefined) return;
    host.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
