// The vacation response (rfc8621#section-8), one per account, and the senders it already
// answered, so each sender gets at most one reply per period (rfc3834#section-2).
import { and, eq, lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { vacationReplies, vacationResponses } from '../db/schema/index.ts'

export interface VacationSettings {
  isEnabled: boolean
  /** UTC milliseconds, or null for no bound. */
  fromDate: number | null
  toDate: number | null
  subject: string | null
  textBody: string | null
  htmlBody: string | null
}

export const vacationDefaults: VacationSettings = {
  isEnabled: false,
  fromDate: null,
  toDate: null,
  subject: null,
  textBody: null,
  htmlBody: null,
}

export function createVacation(db: Db) {
  return {
    /** The account's settings (the defaults, disabled, when it never set any). */
    get(accountId: number): VacationSettings {
      const row = db.select().from(vacationResponses).where(eq(vacationResponses.accountId, accountId)).get()
      if (!row) return { ...vacationDefaults }
      const { accountId: _, ...settings } = row
      return settings
    },

    /**
     * Replaces the settings; call inside a write job. Turning it on starts a new count: senders
     * answered during an earlier absence are answered again.
     */
    put(accountId: number, settings: VacationSettings): void {
      const before = db
        .select({ isEnabled: vacationResponses.isEnabled })
        .from(vacationResponses)
        .where(eq(vacationResponses.accountId, accountId))
        .get()
      db.insert(vacationResponses)
        .values({ accountId, ...settings })
        .onConflictDoUpdate({ target: vacationResponses.accountId, set: settings })
        .run()
      if (settings.isEnabled && !before?.isEnabled)
        db.delete(vacationReplies).where(eq(vacationReplies.accountId, accountId)).run()
    },

    /**
     * Records that `sender` is being answered now, unless it was answered within `periodMs`
     * (rfc3834#section-2: "at most once per period"); true when a reply should go. Inside a write job.
     */
    claimReply(accountId: number, sender: string, now: number, periodMs: number): boolean {
      const previous = db
        .select({ at: vacationReplies.repliedAt })
        .from(vacationReplies)
        .where(and(eq(vacationReplies.accountId, accountId), eq(vacationReplies.sender, sender)))
        .get()
      if (previous && previous.at > now - periodMs) return false
      db.insert(vacationReplies)
        .values({ accountId, sender, repliedAt: now })
        .onConflictDoUpdate({
          target: [vacationReplies.accountId, vacationReplies.sender],
          set: { repliedAt: now },
        })
        .run()
      // Old entries can go: past the period they no longer hold a reply back.
      db.delete(vacationReplies)
        .where(lt(vacationReplies.repliedAt, now - periodMs))
        .run()
      return true
    },
  }
}

export type Vacation = ReturnType<typeof createVacation>
