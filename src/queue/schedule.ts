// Retry backoff: after the n-th failed attempt wait intervals[n-1] (the last interval repeats),
// never past the message's expiry, so the final attempt happens right when it expires.

export function nextAttemptAt(
  attemptsMade: number,
  now: number,
  intervals: readonly number[],
  expiresAt: number,
): number {
  const index = Math.min(Math.max(attemptsMade, 1), intervals.length) - 1
  const wait = intervals[index] ?? 5 * 60_000
  return Math.min(now + wait, Math.max(expiresAt, now))
}
