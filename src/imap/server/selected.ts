// The selected mailbox as one session sees it: its own snapshot of UIDs (sequence number n is
// uids[n-1]), kept in step with the store at the moments the protocol allows
// (rfc9051#section-7.5.1 and 5.2): new messages (EXISTS), flag changes (FETCH FLAGS) and,
// only when the command in progress permits it, expunges (EXPUNGE, or VANISHED once QRESYNC is on).

import { imapFlags, parseStoredKeywords } from '../../store/keywords.ts'
import type { MailboxMessage } from '../../store/read.ts'
import { compressSequenceSet } from '../proto/index.ts'
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
  /** The session's view: UIDs in sequence order. */
  uids: number[] = []
  /** Email ids in step with `uids` (the same index). */
  private ids: number[] = []
  /** Email ids by UID, for FETCH and SEARCH (a view over the two arrays, not a copy). */
  readonly emailIds = {
    get: (uid: number): number | undefined => {
      const seq = this.seqOf(uid)
      return seq > 0 ? this.ids[seq - 1] : undefined
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
  /** Something changed since the last sync (set by the change feed). */
  dirty = false
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
    const index = store.mailboxIndex(this.mailboxId)
    this.uidValidity = box.uidValidity
    this.knownModseq = box.highestModseq
    this.uids = index.uids
    this.ids = index.emailIds
    this.claimRecent(this.uids)
    this.reportedExists = this.uids.length
  }

  /** Keeps the entries whose UID passes `keep`, in both arrays. */
  private retain(keep: (uid: number) => boolean): void {
    const uids: number[] = []
    const ids: number[] = []
    for (let i = 0; i < this.uids.length; i++) {
      const uid = this.uids[i] as number
      if (!keep(uid)) continue
      uids.push(uid)
      ids.push(this.ids[i] as number)
    }
    this.uids = uids
    this.ids = ids
  }

  /** The email id at a 0-based position of the view (sequence number - 1). */
  emailIdAt(index: number): number {
    return this.ids[index] as number
  }

  get exists(): number {
    return this.uids.length
  }

  get maxUid(): number {
    return this.uids.at(-1) ?? 0
  }

  /** Sequence number of a UID in the view, or 0. */
  seqOf(uid: number): number {
    let lo = 0
    let hi = this.uids.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const v = this.uids[mid] as number
      if (v === uid) return mid + 1
      if (v < uid) lo = mid + 1
      else hi = mid - 1
    }
    return 0
  }

  /** Marks new UIDs \Recent for this session if no other session has claimed them. */
  private claimRecent(uids: number[]): void {
    const claims = this.shared.recentClaims
    const claimed = claims.get(this.mailboxId)
    if (claimed === undefined) {
      // First look since the server started: what is already here is not new to anyone.
      claims.set(this.mailboxId, uids.at(-1) ?? 0)
      return
    }
    const fresh = uids.filter((u) => u > claimed)
    if (fresh.length === 0) return
    if (!this.readOnly) {
      for (const u of fresh) this.recent.add(u)
      claims.set(this.mailboxId, Math.max(claimed, ...fresh))
    }
  }

  /**
   * Brings the view up to date. `allowExpunge` is false while a command that must not see
   * sequence numbers shift is answered (FETCH, STORE, SEARCH without UID; rfc9051#section-7.5.1).
   * `vanished` reports expunges as `VANISHED` (QRESYNC enabled). `withModseq` adds MODSEQ to
   * flag updates (CONDSTORE enabled).
   */
  sync(options: { allowExpunge: boolean; vanished: boolean; withModseq: boolean }): string[] {
    const { store } = this.deps
    const lines: string[] = []
    const box = store.getMailbox(this.accountId, this.mailboxId)
    const changed = box.highestModseq > this.knownModseq
    if (changed) {
      for (const uid of store.vanishedSince(this.mailboxId, this.knownModseq)) {
        if (this.emailIds.has(uid)) this.pendingExpunges.add(uid)
      }
      // One query for both: messages added since (UIDs above the view) and flag changes.
      const maxUid = this.maxUid
      const added: MailboxMessage[] = []
      for (const m of store.mailboxMessagesChangedSince(this.mailboxId, this.knownModseq)) {
        if (m.uid > maxUid) {
          added.push(m)
          continue
        }
        if (this.pendingExpunges.has(m.uid) || !this.emailIds.has(m.uid)) continue
        if (this.reportedFlags.get(m.uid) === m.modseq) continue
        const items = [`UID ${m.uid}`, `FLAGS (${this.flagsOf(m).join(' ')})`]
        if (options.withModseq) items.push(`MODSEQ (${m.modseq})`)
        lines.push(`${this.seqOf(m.uid)} FETCH (${items.join(' ')})`)
      }
      if (added.length > 0) {
        for (const m of added) {
          this.uids.push(m.uid)
          this.ids.push(m.emailId)
        }
        this.claimRecent(added.map((m) => m.uid))
      }
      this.knownModseq = box.highestModseq
    }
    this.reportedFlags.clear()
    this.dirty = false
    if (options.allowExpunge && this.pendingExpunges.size > 0)
      lines.unshift(...this.takeExpunges(options.vanished))
    if (this.uids.length !== this.reportedExists) {
      lines.push(`${this.uids.length} EXISTS`)
      if (!this.rev2) lines.push(`${this.recent.size} RECENT`)
      this.reportedExists = this.uids.length
    }
    return lines
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
    this.retain((u) => !goneSet.has(u))
    for (const u of gone) this.recent.delete(u)
    this.reportedExists = this.uids.length
    return lines
  }

  /** Removes UIDs this session itself expunged (already reported by the command). */
  forget(uids: Iterable<number>): void {
    const gone = new Set(uids)
    for (const u of gone) {
      this.pendingExpunges.delete(u)
      this.recent.delete(u)
    }
    this.retain((u) => !gone.has(u))
    this.reportedExists = this.uids.length
  }

  flagsOf(m: Pick<MailboxMessage, 'uid' | 'flags' | 'keywords'>): string[] {
    const flags = imapFlags({ flags: m.flags, keywords: parseStoredKeywords(m.keywords) })
    if (!this.rev2 && this.recent.has(m.uid)) flags.push('\\Recent')
    return flags
  }
}
