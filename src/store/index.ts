// The mail store: the one API that IMAP, POP3, JMAP, SMTP delivery, Sieve and the importer
// use. Writes go through the group-commit writer, each as one transaction that bumps the
// account's modseq once, logs its changes and publishes them after COMMIT.
import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { mailboxMessages } from '../db/schema/index.ts'
import type { Writer } from '../db/writer.ts'
import type { EventBus } from '../events/bus.ts'
import { type Clock, systemClock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { createBlobStore, prepareBlob } from './blobs.ts'
import { ChangeSet } from './change-set.ts'
import { createChangeLog } from './changes.ts'
import { createCopyMove } from './copy-move.ts'
import { createDeliveries, type LocalDelivery } from './deliver.ts'
import { createEmailUpdates, type EmailUpdate } from './email-update.ts'
import { createImportBatches, type ImportProgress } from './import/batch.ts'
import { createJmapBlobs } from './jmap-blobs.ts'
import { createKeywordUpdates, type KeywordOp } from './keyword-updates.ts'
import type { KeywordSet } from './keywords.ts'
import { createMailboxes, type MailboxRow } from './mailboxes.ts'
import { createMessageBytesReader, type MaildropUpdate, updateMaildrop } from './maildrop.ts'
import { type AppendInput, createMessages } from './messages.ts'
import type { PreparedMessage } from './prepare-message.ts'
import { createQuota } from './quota.ts'
import { createReader } from './read.ts'
import { prepareStatements } from './statements.ts'
import { createThreads } from './threads.ts'

export interface MailStoreDeps {
  db: Db
  writer: Writer
  bus: EventBus
  clock?: Clock
  /** Prepares raw bytes (parse, hash, compress); a Worker pool in the server. Default: this thread. */
  prepare?: (bytes: Uint8Array) => Promise<PreparedMessage>
}

/** Prepares on the calling thread, loading the MIME parser on first use. */
export async function prepareHere(
  bytes: Uint8Array,
  options: { keepLineEnds?: boolean } = {},
): Promise<PreparedMessage> {
  const { prepareMessage } = await import('./prepare-message.ts')
  return prepareMessage(bytes, options)
}

/** A new message as a client or a delivery gives it: raw bytes, before parsing. */
export interface RawAppend {
  mailboxIds: number[]
  bytes: Uint8Array
  keywords: KeywordSet
  receivedAt: number
  /** Keep the bytes as given, bare LFs included (IMAP APPEND of a literal8, rfc3516#section-4.4). */
  keepLineEnds?: boolean
}

export function createMailStore({ db, writer, bus, clock = systemClock, prepare }: MailStoreDeps) {
  const statements = prepareStatements(db)
  const blobs = createBlobStore(db, statements)
  const quota = createQuota(statements)
  const threads = createThreads(db, statements)
  const mailboxes = createMailboxes(db, clock)
  const messages = createMessages({ db, blobs, quota, threads, statements })
  const keywordUpdates = createKeywordUpdates(db)
  const changeLog = createChangeLog(db)
  const reader = createReader(db)
  const copyMove = createCopyMove(db, messages, blobs, quota, reader)
  const importBatches = createImportBatches(db, messages, statements)
  const deliveries = createDeliveries(db, mailboxes, messages)
  const emailUpdates = createEmailUpdates(db, messages, keywordUpdates)
  const jmapBlobs = createJmapBlobs(db, blobs)
  let deliveriesSincePrune = 0

  /** Runs one operation as a write job with its ChangeSet; provisions the account first. */
  const operate = <T>(accountId: number, fn: (changes: ChangeSet) => T): Promise<T> =>
    writer.write((ctx) => {
      if (!statements.isProvisioned.get({ accountId })) mailboxes.provision(accountId)
      const changes = new ChangeSet(db, accountId, statements)
      const result = fn(changes)
      changes.commit(ctx, bus)
      return result
    })

  return {
    /** Creates the account's mail state and standard mailboxes if they are missing. */
    async ensureAccount(accountId: number): Promise<void> {
      if (!mailboxes.isProvisioned(accountId)) await writer.write(() => mailboxes.provision(accountId))
    },

    // --- mailboxes -------------------------------------------------------------------------
    listMailboxes: (accountId: number): MailboxRow[] => mailboxes.list(accountId),
    getMailbox: (accountId: number, id: number): MailboxRow => mailboxes.get(accountId, id),
    findMailbox: (accountId: number, path: string) => mailboxes.findByPath(accountId, path),
    findMailboxByRole: (accountId: number, role: string) => mailboxes.findByRole(accountId, role),
    createMailbox: (accountId: number, path: string, options: { role?: string | null } = {}) =>
      operate(accountId, (c) => mailboxes.createPath(c, path, options)),
    createChildMailbox: (
      accountId: number,
      parentId: number | null,
      name: string,
      options: { role?: string | null; sortOrder?: number; isSubscribed?: boolean } = {},
    ) => operate(accountId, (c) => mailboxes.createChild(c, parentId, name, options)),
    renameMailbox: (accountId: number, id: number, newPath: string) =>
      operate(accountId, (c) => mailboxes.renamePath(c, id, newPath)),
    moveMailbox: (accountId: number, id: number, parentId: number | null, name: string) =>
      operate(accountId, (c) => mailboxes.move(c, id, parentId, name)),
    updateMailbox: (accountId: number, id: number, values: { sortOrder?: number; role?: string | null }) =>
      operate(accountId, (c) => mailboxes.update(c, id, values)),
    subscribeMailbox: (accountId: number, id: number, isSubscribed: boolean) =>
      operate(accountId, (c) => mailboxes.setSubscribed(c, id, isSubscribed)),
    /** IMAP subscriptions whose mailbox was deleted (rfc9051#section-6.3.7), by path. */
    orphanSubscriptions: (accountId: number): string[] => mailboxes.orphanSubscriptions(accountId),
    isOrphanSubscription: (accountId: number, path: string) =>
      mailboxes.isOrphanSubscription(accountId, path),
    dropOrphanSubscription: (accountId: number, path: string) =>
      operate(accountId, (c) => mailboxes.dropOrphanSubscription(c, path)),

    /**
     * Deletes a mailbox. Refused (notPossible) for the inbox, for a mailbox with children, and —
     * unless `removeEmails` — for one that holds messages (JMAP mailboxHasEmail).
     */
    deleteMailbox: (accountId: number, id: number, options: { removeEmails: boolean }) =>
      operate(accountId, (c) => {
        const box = mailboxes.get(accountId, id)
        if (box.role === 'inbox') throw new StoreError('notPossible', 'the inbox cannot be deleted')
        if (mailboxes.hasChildren(accountId, id))
          throw new StoreError('notPossible', 'the mailbox has child mailboxes')
        if (box.totalEmails > 0 && !options.removeEmails)
          throw new StoreError('notPossible', 'the mailbox is not empty')
        const uids = db
          .select({ uid: mailboxMessages.uid })
          .from(mailboxMessages)
          .where(and(eq(mailboxMessages.mailboxId, id)))
          .all()
          .map((r) => r.uid)
        messages.removeFromMailbox(c, id, uids)
        mailboxes.remove(c, id)
      }),

    // --- messages --------------------------------------------------------------------------
    /** Stores a new message; resolves once it is durable. */
    append: (accountId: number, input: AppendInput) => {
      const prepared = { ...input, blob: input.blob ?? prepareBlob(input.raw) }
      return operate(accountId, (c) => messages.append(c, prepared))
    },

    /**
     * Parses and stores a new message (SMTP delivery, IMAP APPEND, JMAP import); resolves once
     * it is durable. Large messages are prepared off the event loop.
     */
    appendRaw: async (accountId: number, input: RawAppend) => {
      const prepared = await (prepare ?? prepareHere)(input.bytes)
      return operate(accountId, (c) =>
        messages.append(c, {
          mailboxIds: input.mailboxIds,
          raw: prepared.raw,
          facts: prepared.facts,
          blob: prepared.blob,
          searchText: prepared.searchText,
          keywords: input.keywords,
          receivedAt: input.receivedAt,
        }),
      )
    },

    /**
     * Parses and stores several messages in one transaction: all of them or, if one fails (quota,
     * a missing mailbox), none (IMAP MULTIAPPEND, rfc3502#section-6.3.11). Results in input order.
     */
    appendRawAll: async (accountId: number, inputs: RawAppend[]) => {
      const prepared = await Promise.all(
        inputs.map((input) =>
          input.keepLineEnds
            ? prepareHere(input.bytes, { keepLineEnds: true })
            : (prepare ?? prepareHere)(input.bytes),
        ),
      )
      return operate(accountId, (c) =>
        inputs.map((input, i) => {
          const p = prepared[i] as PreparedMessage
          return messages.append(c, {
            mailboxIds: input.mailboxIds,
            raw: p.raw,
            facts: p.facts,
            blob: p.blob,
            searchText: p.searchText,
            keywords: input.keywords,
            receivedAt: input.receivedAt,
          })
        }),
      )
    },

    /**
     * Delivers one message to several accounts in one transaction, with `alongside` (for example
     * queueing it for remote recipients) committed in the same transaction. Resolves after COMMIT.
     */
    deliver: <T = void>(delivery: LocalDelivery, alongside?: () => T) =>
      writer.write((ctx) => {
        const sets = new Map<number, ChangeSet>()
        const changesFor = (accountId: number) => {
          let set = sets.get(accountId)
          if (!set) {
            set = new ChangeSet(db, accountId, statements)
            sets.set(accountId, set)
          }
          return set
        }
        const now = clock.now()
        const outcome = deliveries.deliver(delivery, changesFor, now)
        const extra = alongside?.()
        for (const set of sets.values()) set.commit(ctx, bus)
        if (++deliveriesSincePrune >= 1000) {
          deliveriesSincePrune = 0
          deliveries.prune(now)
        }
        return { ...outcome, alongside: extra as T }
      }),

    setKeywords: (
      accountId: number,
      emailIds: number[],
      op: KeywordOp,
      set: KeywordSet,
      unchangedSince?: number,
    ) => operate(accountId, (c) => keywordUpdates.update(c, emailIds, op, set, unchangedSince)),

    /** IMAP STORE: by UID in a mailbox; answers with UIDs. */
    setKeywordsByUid: (
      accountId: number,
      mailboxId: number,
      uids: number[],
      op: KeywordOp,
      set: KeywordSet,
      unchangedSince?: number,
    ) =>
      operate(accountId, (c) => {
        const targets = reader.placements(mailboxId, uids)
        const result = keywordUpdates.update(
          c,
          targets.map((t) => t.emailId),
          op,
          set,
          unchangedSince,
        )
        const uidOf = new Map(targets.map((t) => [t.emailId, t.uid]))
        return {
          modseq: c.modseq,
          updated: result.updated.map((u) => ({ ...u, uid: uidOf.get(u.emailId) ?? 0 })),
          modified: result.modified.map((id) => uidOf.get(id) ?? 0),
        }
      }),

    copy: (accountId: number, fromMailboxId: number, uids: number[], toMailboxId: number) =>
      operate(accountId, (c) => copyMove.copy(c, fromMailboxId, uids, toMailboxId)),
    move: (accountId: number, fromMailboxId: number, uids: number[], toMailboxId: number) =>
      operate(accountId, (c) => copyMove.move(c, fromMailboxId, uids, toMailboxId)),
    expunge: (accountId: number, mailboxId: number, uids?: number[]) =>
      operate(accountId, (c) => copyMove.expunge(c, mailboxId, uids)),
    /** Removes messages from a mailbox regardless of $deleted (POP3 DELE+QUIT, JMAP mailboxIds). */
    removeFromMailbox: (accountId: number, mailboxId: number, uids: number[]) =>
      operate(accountId, (c) => messages.removeFromMailbox(c, mailboxId, uids)),
    /** POP3 QUIT (rfc1939#section-6): \Seen for retrieved emails and removal of deleted ones, in one transaction. */
    updateMaildrop: (accountId: number, mailboxId: number, update: MaildropUpdate) =>
      operate(accountId, (c) => updateMaildrop({ db, messages, keywordUpdates }, c, mailboxId, update)),
    destroyEmails: (accountId: number, emailIds: number[]) =>
      operate(accountId, (c) => messages.destroy(c, emailIds)),
    /** JMAP Email/set update: keywords and/or mailboxes of one email, in one transaction. */
    updateEmail: (accountId: number, emailId: number, update: EmailUpdate) =>
      operate(accountId, (c) => emailUpdates.update(c, emailId, update)),
    /** Mailboxes of several emails of an account in one query. */
    emailMailboxIds: emailUpdates.mailboxIdsOf,

    // --- JMAP blobs (rfc8620#section-6, rfc9404) --------------------------------------------
    /** Stores uploaded bytes (hashed and compressed before the write) with a reference until `expiresAt`. */
    uploadBlob: (accountId: number, bytes: Uint8Array, type: string, now: number, expiresAt: number) => {
      const prepared = prepareBlob(bytes)
      return writer.write(() => jmapBlobs.upload(accountId, prepared, type, now, expiresAt))
    },
    releaseExpiredUploads: (now: number) => writer.write(() => jmapBlobs.releaseExpired(now)),
    reachableBlobs: jmapBlobs.reachable,
    uploadType: jmapBlobs.uploadType,
    blobSizes: jmapBlobs.sizes,
    blobMeta: jmapBlobs.metaOf,
    blobUses: jmapBlobs.uses,
    readBlob: (blobId: number): Uint8Array => blobs.read(blobId),

    /** Appends a batch of imported messages and records the import's progress, in one transaction. */
    importBatch: (accountId: number, items: AppendInput[], progress: ImportProgress) =>
      operate(accountId, (c) => importBatches.run(c, items, progress, clock.now())),
    importState: (accountId: number, source: string, kind: 'mbox' | 'maildir') =>
      importBatches.state(accountId, source, kind),

    /** References to stored bytes, for the outbound queue (inside a write job). */
    blobs: { acquire: blobs.acquire, release: blobs.release, read: blobs.read },

    // --- reads -----------------------------------------------------------------------------
    mailboxMessages: reader.mailboxMessages,
    mailboxMessagesByUid: reader.mailboxMessagesByUid,
    mailboxIndex: reader.mailboxIndex,
    firstUnseenUid: reader.firstUnseenUid,
    mailboxMessagesAfter: reader.mailboxMessagesAfter,
    mailboxMessagesChangedSince: reader.mailboxMessagesChangedSince,
    envelopes: reader.envelopes,
    emails: reader.emails,
    facts: reader.facts,
    mailboxIdsOf: reader.mailboxIdsOf,
    countMessages: reader.countMessages,
    raw: reader.raw,
    messageHeaders: reader.messageHeaders,
    /** The raw message in one prepared query, undefined if it is gone (POP3 RETR). */
    messageBytes: createMessageBytesReader(db),
    quota: (accountId: number) => quota.usage(accountId),
    modseq: (accountId: number) => changeLog.modseq(accountId),
    changes: changeLog.since,
    /** JMAP state of one type: the modseq of the last change to such an object. */
    kindState: changeLog.kindState,
    vanishedSince: changeLog.vanishedSince,
    changedSince: changeLog.changedSince,
    pruneChanges: (accountId: number, modseq: number) =>
      writer.write(() => changeLog.prune(accountId, modseq)),
  }
}

export type MailStore = ReturnType<typeof createMailStore>
