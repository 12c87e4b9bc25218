// A fixed-window counter per client IP (messages per minute on the MX).
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event for `key`; false when the limit for this window is already reached. */
  take(key: string): boolean {
    const t = this.now()
    let w = this.windows.get(key)
    if (!w || t - w.start >= this.windowMs) {
      if (this.windows.size > 50_000) this.windows.clear()
      w = { start: t, count: 0 }
      this.windows.set(key, w)
    }
    if (w.count >= this.limit) return false
    w.count++
    return true
  }
}
