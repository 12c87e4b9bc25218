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
import { replaceEmailMailboxes } from './email-mailboxes.ts'
import { createEmailUpdates, type EmailUpdate } from './email-update.ts'
import { createIdentities, type IdentityValues } from './identities.ts'
import { createImportBatches, type ImportProgress } from './import/batch.ts'
import { createJmapBlobs } from './jmap-blobs.ts'
import { createJmapReads } from './jmap-reads.ts'
import { createKeywordUpdates, type KeywordOp } from './keyword-updates.ts'
import type { KeywordSet } from './keywords.ts'
import { createMailboxCounts } from './mailbox-counts.ts'
import { createMailboxes, type MailboxRow } from './mailboxes.ts'
import { type MaildropUpdate, updateMaildrop } from './maildrop.ts'
import { type AppendInput, createMessages } from './messages.ts'
import type { PreparedMessage } from './prepare-message.ts'
import {
  createPushSubscriptions,
  type NewPushSubscription,
  type PushSubscriptionChanges,
} from './push-subscriptions.ts'
import { createQuota } from './quota.ts'
import { createReader } from './read.ts'
import { prepareStatements } from './statements.ts'
import { createSubmissions, type DeliveryStatus, type NewSubmission } from './submissions.ts'
import { createThreads } from './threads.ts'
import { createVacation, type VacationSettings } from './vacation.ts'

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
  const jmapReads = createJmapReads(db)
  const copyMove = createCopyMove(db, messages, blobs, quota, reader)
  const importBatches = createImportBatches(db, messages, statements)
  const deliveries = createDeliveries(db, mailboxes, messages)
  const identities = createIdentities(db)
  const submissions = createSubmissions(db)
  const vacation = createVacation(db)
  const pushSubscriptions = createPushSubscriptions(db)
  const mailboxCounts = createMailboxCounts(db)
  const emailUpdates = createEmailUpdates(db, messages, keywordUpdates)
  const jmapBlobs = createJmapBlobs(db, blobs)
  let deliveriesSincePrune = 0
  let mailboxDeletions = 0

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
    mailboxHighestModseq: (accountId: number, id: number): number => mailboxes.highestModseq(accountId, id),
    /** How many mailbox deletions this process has run (an IMAP session then looks its own up). */
    mailboxDeletionCount: (): number => mailboxDeletions,
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
    /** JMAP counts (rfc8621#section-2) of the given mailboxes, computed in one query. */
    mailboxCounts: (accountId: number, mailboxIds: number[]) =>
      mailboxCounts.counts(accountId, mailboxes.findByRole(accountId, 'trash')?.id ?? null, mailboxIds),
    /**
     * Changes a mailbox's parent and name, role, sortOrder and subscription in one transaction
     * (JMAP Mailbox/set update); values left undefined stay. Returns the mailbox as it is after.
     */
    updateMailboxProperties: (
      accountId: number,
      id: number,
      values: {
        parentId?: number | null
        name?: string
        role?: string | null
        sortOrder?: number
        isSubscribed?: boolean
      },
    ) =>
      operate(accountId, (c) => {
        const box = mailboxes.get(accountId, id)
        const parentId = values.parentId === undefined ? box.parentId : values.parentId
        const name = values.name ?? box.name
        if (parentId !== box.parentId || name !== box.name) mailboxes.move(c, id, parentId, name)
        const role = values.role === undefined || values.role === box.role ? undefined : values.role
        const sortOrder = values.sortOrder === box.sortOrder ? undefined : values.sortOrder
        if (role !== undefined || sortOrder !== undefined)
          mailboxes.update(c, id, {
            ...(role !== undefined ? { role } : {}),
            ...(sortOrder !== undefined ? { sortOrder } : {}),
          })
        if (values.isSubscribed !== undefined && values.isSubscribed !== box.isSubscribed)
          mailboxes.setSubscribed(c, id, values.isSubscribed)
        return mailboxes.get(accountId, id)
      }),
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
        // Counted before it is known to succeed: a failed one only costs a session a look.
        mailboxDeletions++
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
        // JMAP EmailDelivery (rfc8621#section-1.5): new mail arrived, as opposed to a client's write.
        for (const s of outcome.stored) changesFor(s.accountId).record('emailDelivery', s.emailId, 'created')
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
    mailboxFlags: reader.mailboxFlags,
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
    /** JMAP Email/get and Thread/get reads (store/jmap-reads.ts). */
    jmapEmailRows: jmapReads.emailRows,
    countEmails: jmapReads.countEmails,
    allEmailIds: jmapReads.allEmailIds,
    countThreads: jmapReads.countThreads,
    allThreadIds: jmapReads.allThreadIds,
    threadEmails: jmapReads.threadEmails,
    eachRaw: jmapReads.eachRaw,
    /** The raw message, undefined if it is gone (POP3 RETR). */
    messageBytes: reader.rawIfExists,
    quota: (accountId: number) => quota.usage(accountId),
    modseq: (accountId: number) => changeLog.modseq(accountId),
    changes: changeLog.since,
    /** JMAP state of one type: the modseq of the last change to such an object. */
    kindState: changeLog.kindState,
    vanishedSince: changeLog.vanishedSince,
    expungedSince: changeLog.expungedSince,
    changedSince: changeLog.changedSince,
    pruneChanges: (accountId: number, modseq: number) =>
      writer.write(() => changeLog.prune(accountId, modseq)),

    /** JMAP mailboxIds as a whole for one email (EmailSubmission onSuccessUpdateEmail). */
    replaceEmailMailboxes: (accountId: number, emailId: number, mailboxIds: number[]) =>
      operate(accountId, (c) => replaceEmailMailboxes(db, messages, c, emailId, mailboxIds)),

    // --- sending identities (rfc8621#section-6) ------------------------------------------
    identities: {
      list: identities.list,
      get: identities.get,
      /** Makes the account's first identity unless it has one. */
      ensureDefault: (accountId: number, values: IdentityValues) =>
        operate(accountId, (c) => identities.ensureDefault(c, values)),
      create: (accountId: number, values: IdentityValues) =>
        operate(accountId, (c) => identities.create(c, values)),
      update: (accountId: number, id: number, values: Partial<IdentityValues>) =>
        operate(accountId, (c) => identities.update(c, id, values)),
      destroy: (accountId: number, id: number) => operate(accountId, (c) => identities.destroy(c, id)),
    },

    // --- email submissions (rfc8621#section-7) -------------------------------------------
    submissions: {
      list: submissions.list,
      listForQuery: submissions.listForQuery,
      get: submissions.get,
      create: (accountId: number, values: NewSubmission) =>
        operate(accountId, (c) => submissions.create(c, values)),
      destroy: (accountId: number, id: number) => operate(accountId, (c) => submissions.destroy(c, id)),
      /**
       * Records a queue attempt's outcomes in the submissions it carries; called inside the
       * queue's write job, it logs their change in a job of its own right after.
       */
      recordDelivery(queueId: number, statuses: Record<string, DeliveryStatus>): void {
        const changed = submissions.updateDeliveryStatus(queueId, statuses)
        // Only the state string moves here (the status itself is already written); a failure
        // leaves it where it was, which clients see as "nothing new" until the next change.
        for (const [accountId, ids] of changed)
          operate(accountId, (c) => {
            for (const id of ids) c.record('emailSubmission', id, 'updated')
          }).catch(() => undefined)
      },
    },

    // --- vacation response (rfc8621#section-8) -------------------------------------------
    vacation: {
      get: vacation.get,
      put: (accountId: number, settings: VacationSettings) =>
        writer.write(() => vacation.put(accountId, settings)),
      /** Whether `sender` is due a reply now (and records it), at most once per `periodMs`. */
      claimReply: (accountId: number, sender: string, periodMs: number) =>
        writer.write(() => vacation.claimReply(accountId, sender, clock.now(), periodMs)),
    },

    // --- push subscriptions (rfc8620#section-7.2) ----------------------------------------
    pushSubscriptions: {
      list: pushSubscriptions.list,
      get: pushSubscriptions.get,
      listVerified: pushSubscriptions.listVerified,
      listAll: pushSubscriptions.listAll,
      create: (accountId: number, values: NewPushSubscription) =>
        writer.write(() => pushSubscriptions.create(accountId, values, clock.now())),
      update: (accountId: number, id: number, changes: PushSubscriptionChanges) =>
        writer.write(() => pushSubscriptions.update(accountId, id, changes)),
      destroy: (accountId: number, id: number) =>
        writer.write(() => pushSubscriptions.destroy(accountId, id)),
      removeExpired: () => writer.write(() => pushSubscriptions.removeExpired(clock.now())),
    },
  }
}

export type MailStore = ReturnType<typeof createMailStore>
