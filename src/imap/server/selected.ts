// The selected mailbox as one session sees it: its own snapshot of UIDs (sequence number n is
// uids[n-1]), kept in step with the store at the moments the protocol allows
// (rfc9051#section-7.5.1 and 5.2): new messages (EXISTS), flag changes (FETCH FLAGS) and,
// only when the command in progress permits it, expunges (EXPUNGE, or VANISHED once QRESYNC is on).

import type { Query } from '../../search/index.ts'
import { imapFlags, parseStoredKeywords } from '../../store/keywords.ts'
import type { MailboxMessage } from '../../store/read.ts'
import { compressSequenceSet } from '../proto/index.ts'
import type { MailboxChangeFeed } from './change-feed.ts'
import { flagTest } from './flag-index.ts'
import { MailboxView } from './mailbox-view.ts'
import type { ImapDeps, ImapShared } from './types.ts'

export interface SelectedOptions {
  accountId: number
  mailboxId: number
  readOnly: boolean
  /** IMAP4rev2 is enabled: no \Recent and no RECENT responses (rfc9051#appendix-E). */
  rev2: boolean
}

export class SelectedMailbox {
  readonly accountId: number
  readonly mailboxId: number
  readonly readOnly: boolean
  readonly rev2: boolean
  uidValidity = 0
  /** The session's view: UIDs and email ids in sequence order, shared with other sessions. */
  private view: MailboxView | undefined
  /** Email ids by UID, for FETCH and SEARCH. */
  readonly emailIds = {
    get: (uid: number): number | undefined => {
      const seq = this.seqOf(uid)
      return seq > 0 ? this.emailIdAt(seq - 1) : undefined
    },
    has: (uid: number): boolean => this.seqOf(uid) > 0,
  }
  /** \Recent messages of this session (rfc3501#section-2.3.2). */
  readonly recent = new Set<number>()
  /** Expunged in the store, not yet reported to the client (still in `uids`). */
  readonly pendingExpunges = new Set<number>()
  /** Highest modseq of the mailbox that this session has caught up with. */
  knownModseq = 0
  /**
   * Flag states this session's own commands have already told the client (STORE's FETCH
   * responses): UID → the message's MODSEQ at that moment. The next sync skips a flag change
   * whose MODSEQ is the one recorded, so it is not echoed a second time; a later change by
   * anyone else has a higher MODSEQ and is still reported.
   */
  readonly reportedFlags = new Map<number, number>()
  /** Something changed since the last sync (set when a change event names this mailbox). */
  dirty = false
  /** The highest MODSEQ of this mailbox that change events have announced. */
  private announcedModseq = 0
  /** When sync last read the mailbox's MODSEQ from the store, and the deletions count then. */
  private lookedAt = 0
  private deletionsSeen = -1
  /** The client has been told about at least this many messages (for EXISTS). */
  private reportedExists = 0

  constructor(
    private readonly deps: ImapDeps,
    private readonly shared: ImapShared,
    options: SelectedOptions,
  ) {
    this.accountId = options.accountId
    this.mailboxId = options.mailboxId
    this.readOnly = options.readOnly
    this.rev2 = options.rev2
  }

  /** Loads the mailbox for SELECT/EXAMINE: its UIDs and email ids, nothing else. */
  open(): void {
    const { store } = this.deps
    const box = store.getMailbox(this.accountId, this.mailboxId)
    const lists = this.shared.uidLists
    this.uidValidity = box.uidValidity
    this.knownModseq = box.highestModseq
    let view = MailboxView.reuse(lists, this.mailboxId, box.highestModseq)
    if (view === undefined) {
      const index = store.mailboxIndex(this.mailboxId)
      view = MailboxView.open(lists, this.mailboxId, index.uids, index.emailIds)
      view.markExact(box.highestModseq)
    }
    this.view = view
    this.feed = this.shared.changeFeeds.of(store, this.mailboxId, box.highestModseq)
    this.claimRecent(view.uids())
    this.reportedExists = this.exists
  }

  /** Held while selected, so that the shared feed lives as long as some session uses it. */
  private feed: MailboxChangeFeed | undefined

  private get changeFeed(): MailboxChangeFeed {
    if (this.feed === undefined) throw new Error('mailbox not opened')
    return this.feed
  }

  private get opened(): MailboxView {
    if (this.view === undefined) throw new Error('mailbox not opened')
    return this.view
  }

  /** The UIDs in sequence order: uids()[n - 1] is sequence number n (shared; do not keep it). */
  uids(): Uint32Array {
    return this.opened.uids()
  }

  /** The UID at a 0-based position of the view (sequence number - 1). */
  uidAt(index: number): number {
    return this.opened.uidAt(index)
  }

  /** The email id at a 0-based position of the view (sequence number - 1). */
  emailIdAt(index: number): number {
    return this.opened.emailIdAt(index)
  }

  get exists(): number {
    return this.opened.length
  }

  get maxUid(): number {
    return this.opened.maxUid
  }

  /** Sequence number of a UID in the view, or 0. */
  seqOf(uid: number): number {
    return this.opened.seqOf(uid)
  }

  /** Marks new UIDs \Recent for this session if no other session has claimed them. */
  private claimRecent(uids: ArrayLike<number>): void {
    const claims = this.shared.recentClaims
    const claimed = claims.get(this.mailboxId)
    const last = uids.length > 0 ? (uids[uids.length - 1] as number) : 0
    if (claimed === undefined) {
      // First look since the server started: what is already here is not new to anyone.
      claims.set(this.mailboxId, last)
      return
    }
    if (last <= claimed) return
    const fresh = Array.from(uids).filter((u) => u > claimed)
    if (fresh.length === 0) return
    if (!this.readOnly) {
      for (const u of fresh) this.recent.add(u)
      claims.set(this.mailboxId, last)
    }
  }

  /**
   * Brings the view up to date. `allowExpunge` is false while a command that must not see
   * sequence numbers shift is answered (FETCH, STORE, SEARCH without UID; rfc9051#section-7.5.1).
   * `vanished` reports expunges as `VANISHED` (QRESYNC enabled). `withModseq` adds MODSEQ to
   * flag updates (CONDSTORE enabled).
   */
  sync(options: { allowExpunge: boolean; vanished: boolean; withModseq: boolean }): string[] {
    const lines: string[] = []
    const highestModseq = this.currentModseq()
    if (highestModseq > this.knownModseq) {
      const changes = this.changeFeed.since(this.knownModseq, highestModseq)
      for (const uid of changes.expunged) {
        if (this.emailIds.has(uid)) this.pendingExpunges.add(uid)
      }
      // Both in one list: messages added since (UIDs above the view) and flag changes.
      const maxUid = this.maxUid
      const added: MailboxMessage[] = []
      for (const m of changes.changed) {
        if (m.uid > maxUid) {
          added.push(m)
          continue
        }
        if (this.pendingExpunges.has(m.uid) || !this.emailIds.has(m.uid)) continue
        if (this.reportedFlags.get(m.uid) === m.modseq) continue
        const items = [`UID ${m.uid}`, `FLAGS (${this.flagText(m)})`]
        if (options.withModseq) items.push(`MODSEQ (${m.modseq})`)
        lines.push(`${this.seqOf(m.uid)} FETCH (${items.join(' ')})`)
      }
      if (added.length > 0) {
        for (const m of added) this.opened.append(m.uid, m.emailId)
        this.claimRecent(added.map((m) => m.uid))
      }
      this.knownModseq = highestModseq
    }
    this.reportedFlags.clear()
    this.dirty = false
    if (options.allowExpunge && this.pendingExpunges.size > 0)
      lines.unshift(...this.takeExpunges(options.vanished))
    if (this.pendingExpunges.size === 0) this.opened.markExact(this.knownModseq)
    if (this.exists !== this.reportedExists) {
      lines.push(`${this.exists} EXISTS`)
      if (!this.rev2) lines.push(`${this.recent.size} RECENT`)
      this.reportedExists = this.exists
    }
    return lines
  }

  /**
   * The UIDs of the view that match a query of system flags and UIDs alone, from the mailbox's
   * flag index in memory; undefined when the query needs the store (search/).
   */
  searchFlags(query: Query): number[] | undefined {
    const test = flagTest(query)
    if (test === undefined) return undefined
    return this.changeFeed.flagIndex(this.currentModseq()).select(this.uids(), test)
  }

  /** A change event named this mailbox at `modseq` (its new HIGHESTMODSEQ). */
  announce(modseq: number): void {
    this.dirty = true
    if (modseq > this.announcedModseq) this.announcedModseq = modseq
  }

  /**
   * The mailbox's HIGHESTMODSEQ. This process's writes announce theirs (change events, before
   * any client is answered), so the store is read only when a mailbox was deleted meanwhile (it
   * may be this one: the read then throws notFound), and at least once a second for writes by
   * other processes (the CLI).
   */
  private currentModseq(): number {
    const { store } = this.deps
    const now = performance.now()
    const deletions = store.mailboxDeletionCount()
    if (now - this.lookedAt < 1000 && deletions === this.deletionsSeen)
      return Math.max(this.knownModseq, this.announcedModseq)
    this.lookedAt = now
    this.deletionsSeen = deletions
    return store.mailboxHighestModseq(this.accountId, this.mailboxId)
  }

  /** Removes pending expunges from the view, as the lines that tell the client. */
  takeExpunges(vanished: boolean): string[] {
    if (this.pendingExpunges.size === 0) return []
    const gone = [...this.pendingExpunges].sort((a, b) => a - b)
    this.pendingExpunges.clear()
    const lines: string[] = []
    if (vanished) {
      lines.push(`VANISHED ${compressSequenceSet(gone)}`)
    } else {
      // Highest sequence number first, so the numbers the client holds stay right as it goes.
      for (let i = gone.length - 1; i >= 0; i--) {
        const seq = this.seqOf(gone[i] as number)
        if (seq > 0) lines.push(`${seq} EXPUNGE`)
      }
    }
    const goneSet = new Set(gone)
    this.opened.retain((u) => !goneSet.has(u))
    for (const u of gone) this.recent.delete(u)
    this.reportedExists = this.exists
    return lines
  }

  /** Removes UIDs this session itself expunged (already reported by the command). */
  forget(uids: Iterable<number>): void {
    const gone = new Set(uids)
    for (const u of gone) {
      this.pendingExpunges.delete(u)
      this.recent.delete(u)
    }
    this.opened.retain((u) => !gone.has(u))
    this.reportedExists = this.exists
  }

  /** The message's flags as FLAGS (…) lists them, space-separated, \Recent included. */
  flagText(m: Pick<MailboxMessage, 'uid' | 'flags' | 'keywords'>): string {
    let text: string
    if (m.keywords === '[]') {
      const known = keywordlessFlags.get(m.flags)
      text = known ?? imapFlags({ flags: m.flags, keywords: [] }).join(' ')
      if (known === undefined) keywordlessFlags.set(m.flags, text)
    } else text = imapFlags({ flags: m.flags, keywords: parseStoredKeywords(m.keywords) }).join(' ')
    if (!this.rev2 && this.recent.has(m.uid)) text = text === '' ? '\\Recent' : `${text} \\Recent`
    return text
  }
}

/**
 * The FLAGS text of each combination of system flags (at most 2^10): most messages have no
 * other keyword, and every session is told of every flag change.
 */
const keywordlessFlags = new Map<number, string>()
