// The store side of an import: a batch of messages appended in one transaction together with
// the import's progress, so a crash resumes exactly after the last committed batch. A message
// whose content is already in its target mailbox is skipped, which makes re-running an import safe.
import { and, eq } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { imports } from '../../db/schema/index.ts'
import { isStoreError } from '../../lib/errors.ts'
import { sha256Hex } from '../blobs.ts'
import type { ChangeSet } from '../change-set.ts'
import type { AppendInput, Messages } from '../messages.ts'
import type { Statements } from '../statements.ts'

export interface ImportProgress {
  source: string
  kind: 'mbox' | 'maildir'
  position: number
  isComplete?: boolean
}

export type ItemOutcome = 'imported' | 'duplicate' | { skipped: string }

export interface ImportState {
  position: number
  imported: number
  skipped: number
  isComplete: boolean
}

export function createImportBatches(db: Db, messages: Messages, statements: Statements) {
  const inMailbox = (hash: string, mailboxId: number): boolean =>
    statements.blobInMailbox.get({ hash, mailboxId }) !== undefined

  return {
    state(accountId: number, source: string, kind: 'mbox' | 'maildir'): ImportState | undefined {
      return db
        .select({
          position: imports.position,
          imported: imports.imported,
          skipped: imports.skipped,
          isComplete: imports.isComplete,
        })
        .from(imports)
        .where(and(eq(imports.accountId, accountId), eq(imports.source, source), eq(imports.kind, kind)))
        .get()
    },

    /** Appends the items and records progress; inside a write job. */
    run(changes: ChangeSet, items: AppendInput[], progress: ImportProgress, now: number): ItemOutcome[] {
      const outcomes: ItemOutcome[] = []
      for (const item of items) {
        const target = item.mailboxIds[0]
        if (target !== undefined && inMailbox(item.blob?.hash ?? sha256Hex(item.raw), target)) {
          outcomes.push('duplicate')
          continue
        }
        // append() checks everything that can refuse a message (mailbox, quota) before it
        // writes, so a refused message leaves nothing behind; other errors fail the batch.
        try {
          messages.append(changes, item)
          outcomes.push('imported')
        } catch (err) {
          if (!isStoreError(err)) throw err
          outcomes.push({ skipped: err.message })
        }
      }
      const imported = outcomes.filter((o) => o === 'imported').length
      const skipped = outcomes.length - imported
      const existing = this.state(changes.accountId, progress.source, progress.kind)
      if (existing) {
        db.update(imports)
          .set({
            position: progress.position,
            imported: existing.imported + imported,
            skipped: existing.skipped + skipped,
            isComplete: progress.isComplete ?? false,
            updatedAt: now,
          })
          .where(
            and(
              eq(imports.accountId, changes.accountId),
              eq(imports.source, progress.source),
              eq(imports.kind, progress.kind),
            ),
          )
          .run()
      } else {
        db.insert(imports)
          .values({
            accountId: changes.accountId,
            source: progress.source,
            kind: progress.kind,
            position: progress.position,
            imported,
            skipped,
            isComplete: progress.isComplete ?? false,
            updatedAt: now,
          })
          .run()
      }
      return outcomes
    },
  }
}

export type ImportBatches = ReturnType<typeof createImportBatches>
