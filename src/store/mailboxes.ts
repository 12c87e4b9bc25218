// Mailboxes: provisioning of a new account's standard set, create (with missing parents),
// rename (children follow), delete, subscribe. Names are paths with "/" between levels;
// the inbox is always "INBOX" (rfc9051#section-5.1). Shared by IMAP, JMAP and the admin.
import { and, asc, eq, like, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { mailAccounts, mailboxes } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import type { ChangeSet } from './change-set.ts'
import { createOrphanSubscriptions } from './subscriptions.ts'

export const hierarchySeparator = '/'

export type MailboxRow = typeof mailboxes.$inferSelect

/** The standard mailboxes every account starts with (rfc6154 roles, rfc8621 names). */
export const defaultMailboxes: { name: string; role: string; sortOrder: number }[] = [
  { name: 'Inbox', role: 'inbox', sortOrder: 1 },
  { name: 'Drafts', role: 'drafts', sortOrder: 2 },
  { name: 'Sent', role: 'sent', sortOrder: 3 },
  { name: 'Archive', role: 'archive', sortOrder: 4 },
  { name: 'Junk', role: 'junk', sortOrder: 5 },
  { name: 'Trash', role: 'trash', sortOrder: 6 },
]

export const mailboxRoles = new Set([
  'inbox',
  'drafts',
  'sent',
  'archive',
  'junk',
  'trash',
  'all',
  'flagged',
  'important',
])

/** Checks one level's name: not empty, no separator, no control characters, at most 255 characters. */
export function checkMailboxName(name: string): string {
  const trimmed = name.normalize('NFC')
  if (
    trimmed === '' ||
    trimmed.length > 255 ||
    trimmed.includes(hierarchySeparator) ||
    /[\x00-\x1f\x7f]/.test(trimmed)
  ) {
    throw new StoreError('invalidParams', `"${name}" is not a valid mailbox name`)
  }
  return trimmed
}

/** Splits a path into checked levels; "inbox" in any case is the inbox (rfc9051#section-5.1). */
export function splitPath(path: string): string[] {
  const levels = path.split(hierarchySeparator).filter((p, i, all) => p !== '' || i < all.length - 1)
  if (levels.length === 0) throw new StoreError('invalidParams', 'empty mailbox name')
  const [first = '', ...rest] = levels.map(checkMailboxName)
  return [first.toUpperCase() === 'INBOX' ? 'INBOX' : first, ...rest]
}

/** A path as mailboxes are stored under (INBOX in its one spelling), or undefined if invalid. */
function storedPath(path: string): string | undefined {
  try {
    return splitPath(path).join(hierarchySeparator)
  } catch {
    return undefined
  }
}

const highestModseqSql = 'SELECT highest_modseq FROM mailboxes WHERE id = ? AND account_id = ?'

export function createMailboxes(db: Db, clock: Clock) {
  // Looked up after every IMAP command of every session: compiled once, not built per call.
  const byId = db
    .select()
    .from(mailboxes)
    .where(
      and(eq(mailboxes.accountId, sql.placeholder('accountId')), eq(mailboxes.id, sql.placeholder('id'))),
    )
    .prepare()
  // By path: every SELECT, STATUS, APPEND and COPY looks its mailbox up so.
  const byPath = db
    .select()
    .from(mailboxes)
    .where(
      and(eq(mailboxes.accountId, sql.placeholder('accountId')), eq(mailboxes.path, sql.placeholder('path'))),
    )
    .prepare()
  const provisioned = db
    .select({ id: mailAccounts.accountId })
    .from(mailAccounts)
    .where(eq(mailAccounts.accountId, sql.placeholder('accountId')))
    .prepare()
  const nextUidValidity = (accountId: number): number => {
    const now = Math.floor(clock.now() / 1000)
    const row = db
      .update(mailAccounts)
      .set({ lastUidValidity: sql`max(${mailAccounts.lastUidValidity} + 1, ${now})` })
      .where(eq(mailAccounts.accountId, accountId))
      .returning({ v: mailAccounts.lastUidValidity })
      .get()
    if (!row) throw new Error(`mail account ${accountId} is not provisioned`)
    return row.v
  }

  const orphans = createOrphanSubscriptions(db)
  const insert = (
    accountId: number,
    parent: MailboxRow | undefined,
    name: string,
    extra: { role?: string | null; sortOrder?: number; isSubscribed?: boolean },
  ): MailboxRow => {
    const path = parent ? `${parent.path}${hierarchySeparator}${name}` : name
    // A subscription left by a deleted mailbox of this name is the new mailbox's.
    const subscribed = orphans.take(accountId, path) || (extra.isSubscribed ?? true)
    return db
      .insert(mailboxes)
      .values({
        accountId,
        parentId: parent?.id ?? null,
        name,
        path,
        role: extra.role ?? null,
        sortOrder: extra.sortOrder ?? 0,
        isSubscribed: subscribed,
        uidValidity: nextUidValidity(accountId),
        createdAt: clock.now(),
      })
      .returning()
      .get()
  }

  const api = {
    /** Creates the account's mail state and standard mailboxes if missing. Inside a write job. */
    provision(accountId: number): boolean {
      const created = db.insert(mailAccounts).values({ accountId }).onConflictDoNothing().returning().get()
      if (!created) return false
      for (const m of defaultMailboxes) {
        const name = m.role === 'inbox' ? 'INBOX' : m.name
        insert(accountId, undefined, name, { role: m.role, sortOrder: m.sortOrder })
      }
      return true
    },

    isProvisioned(accountId: number): boolean {
      return provisioned.get({ accountId }) !== undefined
    },

    list(accountId: number): MailboxRow[] {
      return db
        .select()
        .from(mailboxes)
        .where(eq(mailboxes.accountId, accountId))
        .orderBy(asc(mailboxes.path))
        .all()
    },

    /** The mailbox's highest MODSEQ: what an IMAP session compares with after each command. */
    highestModseq(accountId: number, id: number): number {
      const row = db.$client.query(highestModseqSql).values(id, accountId)[0] as [number] | undefined
      if (!row) throw new StoreError('notFound', 'no such mailbox')
      return row[0]
    },

    get(accountId: number, id: number): MailboxRow {
      const row = byId.get({ accountId, id })
      if (!row) throw new StoreError('notFound', 'no such mailbox')
      return row
    },

    /** Finds a mailbox by path ("INBOX" in any case is the inbox); undefined when absent. */
    findByPath(accountId: number, path: string): MailboxRow | undefined {
      const stored = storedPath(path)
      return stored === undefined ? undefined : byPath.get({ accountId, path: stored })
    },

    findByRole(accountId: number, role: string): MailboxRow | undefined {
      return db
        .select()
        .from(mailboxes)
        .where(and(eq(mailboxes.accountId, accountId), eq(mailboxes.role, role)))
        .get()
    },

    /**
     * Creates a mailbox by path, creating missing parents too (rfc9051#section-6.3.4).
     * Throws `exists` when the path is already there.
     */
    createPath(changes: ChangeSet, path: string, options: { role?: string | null } = {}): MailboxRow {
      const accountId = changes.accountId
      const levels = splitPath(path)
      let parent: MailboxRow | undefined
      for (let i = 0; i < levels.length; i++) {
        const here = levels.slice(0, i + 1).join(hierarchySeparator)
        const found = db
          .select()
          .from(mailboxes)
          .where(and(eq(mailboxes.accountId, accountId), eq(mailboxes.path, here)))
          .get()
        const isLast = i === levels.length - 1
        if (found) {
          if (isLast) throw new StoreError('exists', `mailbox ${here} already exists`)
          parent = found
          continue
        }
        parent = api.createChild(changes, parent?.id ?? null, levels[i] ?? '', isLast ? options : {})
      }
      if (!parent) throw new StoreError('invalidParams', 'empty mailbox name')
      return parent
    },

    /** Creates one mailbox under `parentId` (null = top level), as JMAP Mailbox/set does. */
    createChild(
      changes: ChangeSet,
      parentId: number | null,
      name: string,
      options: { role?: string | null; sortOrder?: number; isSubscribed?: boolean } = {},
    ): MailboxRow {
      const accountId = changes.accountId
      const parent = parentId === null ? undefined : api.get(accountId, parentId)
      const leaf = checkMailboxName(name)
      if (!parent && leaf.toUpperCase() === 'INBOX')
        throw new StoreError('exists', 'mailbox INBOX already exists')
      if (options.role) {
        if (!mailboxRoles.has(options.role))
          throw new StoreError('invalidParams', `unknown role "${options.role}"`)
        if (api.findByRole(accountId, options.role))
          throw new StoreError('exists', `a mailbox with role ${options.role} exists`)
      }
      const path = parent ? `${parent.path}${hierarchySeparator}${leaf}` : leaf
      const clash = db
        .select({ id: mailboxes.id })
        .from(mailboxes)
        .where(and(eq(mailboxes.accountId, accountId), eq(mailboxes.path, path)))
        .get()
      if (clash) throw new StoreError('exists', `mailbox ${path} already exists`)
      const row = insert(accountId, parent, leaf, options)
      changes.record('mailbox', row.id, 'created')
      changes.touchMailbox(row.id, false)
      return row
    },

    /** Moves/renames a mailbox; its children follow. UIDVALIDITY is kept (rfc9051#section-6.3.6). */
    move(changes: ChangeSet, id: number, newParentId: number | null, newName: string): MailboxRow {
      const accountId = changes.accountId
      const box = api.get(accountId, id)
      if (box.role === 'inbox') throw new StoreError('notPossible', 'the inbox cannot be renamed')
      const leaf = checkMailboxName(newName)
      const parent = newParentId === null ? undefined : api.get(accountId, newParentId)
      if (parent && (parent.id === box.id || parent.path.startsWith(`${box.path}${hierarchySeparator}`))) {
        throw new StoreError('invalidParams', 'a mailbox cannot be moved into itself')
      }
      if (!parent && leaf.toUpperCase() === 'INBOX')
        throw new StoreError('exists', 'mailbox INBOX already exists')
      const newPath = parent ? `${parent.path}${hierarchySeparator}${leaf}` : leaf
      if (newPath === box.path) return box
      const clash = db
        .select({ id: mailboxes.id })
        .from(mailboxes)
        .where(and(eq(mailboxes.accountId, accountId), eq(mailboxes.path, newPath)))
        .get()
      if (clash) throw new StoreError('exists', `mailbox ${newPath} already exists`)
      const prefix = `${box.path}${hierarchySeparator}`
      const descendants = db
        .select({ id: mailboxes.id, path: mailboxes.path })
        .from(mailboxes)
        .where(and(eq(mailboxes.accountId, accountId), like(mailboxes.path, `${prefix}%`)))
        .all()
        .filter((d) => d.path.startsWith(prefix))
      // Subscriptions left under the new names by deleted mailboxes become the moved ones'.
      const revive = (path: string) => (orphans.take(accountId, path) ? { isSubscribed: true } : {})
      db.update(mailboxes)
        .set({ parentId: parent?.id ?? null, name: leaf, path: newPath, ...revive(newPath) })
        .where(eq(mailboxes.id, id))
        .run()
      for (const d of descendants) {
        const path = `${newPath}${hierarchySeparator}${d.path.slice(prefix.length)}`
        db.update(mailboxes)
          .set({ path, ...revive(path) })
          .where(eq(mailboxes.id, d.id))
          .run()
        // Only the IMAP name changed: a descendant's JMAP properties (name, parentId) did not.
        changes.touchMailbox(d.id, false)
      }
      changes.updateMailbox(id)
      return api.get(accountId, id)
    },

    /** Renames by full path (IMAP RENAME), creating missing parents of the new path. */
    renamePath(changes: ChangeSet, id: number, newPath: string): MailboxRow {
      const levels = splitPath(newPath)
      const leaf = levels.pop() ?? ''
      let parentId: number | null = null
      if (levels.length > 0) {
        const parentPath = levels.join(hierarchySeparator)
        const parent = api.findByPath(changes.accountId, parentPath) ?? api.createPath(changes, parentPath)
        parentId = parent.id
      }
      return api.move(changes, id, parentId, leaf)
    },

    setSubscribed(changes: ChangeSet, id: number, isSubscribed: boolean): void {
      api.get(changes.accountId, id)
      db.update(mailboxes).set({ isSubscribed }).where(eq(mailboxes.id, id)).run()
      changes.updateMailbox(id)
    },

    update(changes: ChangeSet, id: number, values: { sortOrder?: number; role?: string | null }): void {
      const box = api.get(changes.accountId, id)
      if (values.role !== undefined && values.role !== box.role) {
        if (box.role === 'inbox') throw new StoreError('notPossible', 'the inbox keeps its role')
        if (values.role !== null) {
          if (!mailboxRoles.has(values.role))
            throw new StoreError('invalidParams', `unknown role "${values.role}"`)
          if (api.findByRole(changes.accountId, values.role))
            throw new StoreError('exists', `a mailbox with role ${values.role} exists`)
        }
      }
      db.update(mailboxes).set(values).where(eq(mailboxes.id, id)).run()
      changes.updateMailbox(id)
      // Which mailbox is the trash decides every mailbox's unreadThreads (rfc8621#section-2).
      if (
        values.role !== undefined &&
        values.role !== box.role &&
        (box.role === 'trash' || values.role === 'trash')
      )
        for (const other of api.list(changes.accountId)) changes.record('mailbox', other.id, 'counts')
    },

    /** Deletes an empty mailbox row (the caller has emptied it); its subscription stays. */
    remove(changes: ChangeSet, id: number): void {
      const box = api.get(changes.accountId, id)
      if (box.isSubscribed) orphans.keep(changes.accountId, box.path)
      db.delete(mailboxes)
        .where(and(eq(mailboxes.accountId, changes.accountId), eq(mailboxes.id, id)))
        .run()
      changes.record('mailbox', id, 'destroyed')
    },

    /** Subscribed names without a mailbox (rfc9051#section-6.3.7), by path. */
    orphanSubscriptions(accountId: number): string[] {
      return orphans.list(accountId)
    },

    /** Whether a name without a mailbox is still subscribed. */
    isOrphanSubscription(accountId: number, path: string): boolean {
      const stored = storedPath(path)
      return stored !== undefined && orphans.has(accountId, stored)
    },

    /** Unsubscribes a name that has no mailbox; false when it was not subscribed. */
    dropOrphanSubscription(changes: ChangeSet, path: string): boolean {
      const stored = storedPath(path)
      return stored !== undefined && orphans.take(changes.accountId, stored)
    },

    /** Whether the mailbox has child mailboxes. */
    hasChildren(accountId: number, id: number): boolean {
      return (
        db
          .select({ id: mailboxes.id })
          .from(mailboxes)
          .where(and(eq(mailboxes.accountId, accountId), or(eq(mailboxes.parentId, id))))
          .limit(1)
          .get() !== undefined
      )
    },
  }
  return api
}

export type Mailboxes = ReturnType<typeof createMailboxes>
