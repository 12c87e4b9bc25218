// State shared by the POP3 sessions of one server: the maildrop locks (rfc1939#section-8: one
// session per maildrop) and each account's last login (rfc2449#section-6.8 LOGIN-DELAY).
// Kept in this process's memory: a second Postern node on the same data would need these in
// the shared database or change feed instead (see DESIGN.md, "Growing past one machine").

export interface Pop3Shared {
  /** Takes the account's maildrop lock for `owner` (a session); false when another one holds it. */
  lock(accountId: number, owner: object): boolean
  /** Releases the lock if `owner` holds it. */
  unlock(accountId: number, owner: object): void
  /** Time of the account's last successful login, ms. */
  lastLogin(accountId: number): number | undefined
  recordLogin(accountId: number, at: number): void
}

export function createPop3Shared(): Pop3Shared {
  const holders = new Map<number, object>()
  const logins = new Map<number, number>()
  return {
    lock(accountId, owner) {
      const holder = holders.get(accountId)
      if (holder !== undefined && holder !== owner) return false
      holders.set(accountId, owner)
      return true
    },
    unlock(accountId, owner) {
      if (holders.get(accountId) === owner) holders.delete(accountId)
    },
    lastLogin: (accountId) => logins.get(accountId),
    recordLogin(accountId, at) {
      logins.set(accountId, at)
    },
  }
}
