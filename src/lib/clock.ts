// Time behind an interface so tests can move it.

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock for tests: starts at `start` and moves only when told. */
export function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let t = start
  return {
    now: () => t,
    advance(ms) {
      t += ms
    },
  }
}
