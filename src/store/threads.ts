// Thread assignment (rfc8621#section-3; the reference approach of rfc5256 "REFERENCES"):
// a message joins the thread of any Message-ID it names in References/In-Reply-To or that
// already named it; with none, a reply ("Re:") joins a recent thread with the same base subject.
// When a late message links two threads they are merged into the older one.
//
// Deliberate: rfc8621 calls threadId immutable; merging changes it for the merged emails,
// which are reported as updated so clients refetch them (as Stalwart does).
import { and, desc, eq, gt, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { emails, threadRefs } from '../db/schema/index.ts'
import type { ChangeSet } from './change-set.ts'
import type { MessageFacts } from './facts.ts'
import type { Statements } from './statements.ts'

const subjectFallbackWindowMs = 30 * 24 * 3600 * 1000
const maxReferences = 100

export function createThreads(db: Db, statements: Statements) {
  return {
    /**
     * The thread for a new email, or undefined when it starts its own (the caller then uses the
     * email's id). Merges threads the message links. Records thread changes.
     */
    find(changes: ChangeSet, facts: MessageFacts, receivedAt: number): number | undefined {
      const accountId = changes.accountId
      const ids = messageIdsOf(facts)
      const threadIds = new Set<number>()
      for (const messageId of ids) {
        const ref = statements.threadOf.get({ accountId, messageId })
        if (ref) threadIds.add(ref.threadId)
      }
      const found = [...threadIds].sort((a, b) => a - b)
      if (found.length === 0) {
        if (!facts.isReplyOrForward || facts.baseSubject === '') return undefined
        return db
          .select({ threadId: emails.threadId })
          .from(emails)
          .where(
            and(
              eq(emails.accountId, accountId),
              eq(emails.baseSubject, facts.baseSubject),
              gt(emails.receivedAt, receivedAt - subjectFallbackWindowMs),
            ),
          )
          .orderBy(desc(emails.receivedAt))
          .limit(1)
          .get()?.threadId
      }
      const [target = 0, ...others] = found
      if (others.length > 0) {
        const moved = db
          .update(emails)
          .set({ threadId: target, modseq: changes.modseq })
          .where(and(eq(emails.accountId, accountId), inArray(emails.threadId, others)))
          .returning({ id: emails.id })
          .all()
        db.update(threadRefs)
          .set({ threadId: target })
          .where(and(eq(threadRefs.accountId, accountId), inArray(threadRefs.threadId, others)))
          .run()
        for (const m of moved) changes.record('email', m.id, 'updated')
        for (const t of others) changes.record('thread', t, 'destroyed')
      }
      return target
    },

    /** Remembers the message's ids for its thread, so later replies find it. */
    remember(changes: ChangeSet, facts: MessageFacts, threadId: number, isNew: boolean): void {
      for (const messageId of messageIdsOf(facts)) {
        statements.threadRefInsert.run({ accountId: changes.accountId, messageId, threadId })
      }
      changes.record('thread', threadId, isNew ? 'created' : 'updated')
    },
  }
}

function messageIdsOf(facts: MessageFacts): string[] {
  const ids = [facts.messageId, ...facts.inReplyTo, ...facts.references.slice(-maxReferences)]
  return [
    ...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length < 1000)),
  ]
}

export type Threads = ReturnType<typeof createThreads>
