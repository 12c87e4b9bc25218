// Mailbox/set (rfc8621#section-2.5): create, update (rename, move under another parent, role,
// sortOrder, subscription) and destroy, with onDestroyRemoveEmails. The store does the work
// that IMAP CREATE/RENAME/DELETE share; this module checks the JMAP rules and names the SetError.
import { isStoreError } from '../../lib/errors.ts'
import { type MailboxRow, mailboxRoles } from '../../store/mailboxes.ts'
import { formatObjectId } from '../../store/object-ids.ts'
import { isCreationRef, optionalBoolean, optionalIds, optionalObject } from '../core/args.ts'
import { type MethodContext, resolveCreationRef } from '../core/context.ts'
import { SetError } from '../core/errors.ts'
import { isValidId } from '../core/ids.ts'
import type { MethodArgs } from '../core/registry.ts'
import { applyPatch, standardSet } from '../core/standard.ts'
import {
  formatMailboxId,
  mailboxProperties,
  maxSizeMailboxName,
  parseMailboxId,
  toMailbox,
} from './mailbox-object.ts'

const settable = new Set(['name', 'parentId', 'role', 'sortOrder', 'isSubscribed'])
const known = new Set<string>(mailboxProperties)
const utf8 = new TextEncoder()

interface Settable {
  name?: string
  parentId?: number | null
  role?: string | null
  sortOrder?: number
  isSubscribed?: boolean
}

/** Checks the client-settable properties given; throws invalidProperties naming the bad ones. */
function readSettable(ctx: MethodContext, object: Record<string, unknown>): Settable {
  const out: Settable = {}
  const bad: string[] = []
  if ('name' in object) {
    const name = object.name
    // The store's rules (no "/" — the hierarchy separator — and no control characters) plus
    // maxSizeMailboxName in UTF-8 octets (rfc8621#section-1.3.1).
    if (
      typeof name !== 'string' ||
      name === '' ||
      utf8.encode(name.normalize('NFC')).length > maxSizeMailboxName ||
      name.includes('/') ||
      /[\x00-\x1f\x7f]/.test(name)
    )
      bad.push('name')
    else out.name = name.normalize('NFC')
  }
  if ('parentId' in object) {
    const p = object.parentId
    if (p === null) out.parentId = null
    else if (typeof p === 'string' && (isValidId(p) || isCreationRef(p))) {
      const id = parseMailboxId(resolveCreationRef(ctx, p) ?? '')
      if (id === undefined) bad.push('parentId')
      else out.parentId = id
    } else bad.push('parentId')
  }
  if ('role' in object) {
    const role = object.role
    // rfc8621#section-2: roles are the IANA "IMAP Mailbox Name Attributes" ones, lower-case.
    if (role === null) out.role = null
    else if (typeof role === 'string' && mailboxRoles.has(role)) out.role = role
    else bad.push('role')
  }
  if ('sortOrder' in object) {
    const s = object.sortOrder
    if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) out.sortOrder = s
    else bad.push('sortOrder')
  }
  if ('isSubscribed' in object) {
    if (typeof object.isSubscribed === 'boolean') out.isSubscribed = object.isSubscribed
    else bad.push('isSubscribed')
  }
  if (bad.length > 0) throw SetError.invalidProperties(bad)
  return out
}

/** The rules that need the other mailboxes: parent exists, no cycle, unique role, unique name. */
function checkPlacement(
  rows: MailboxRow[],
  self: MailboxRow | undefined,
  wanted: Required<Omit<Settable, 'sortOrder' | 'isSubscribed'>>,
): void {
  const byId = new Map(rows.map((r) => [r.id, r]))
  if (wanted.parentId !== null) {
    if (!byId.has(wanted.parentId)) throw SetError.invalidProperties(['parentId'], 'no such parent mailbox')
    // A mailbox cannot be moved under itself or one of its descendants.
    for (
      let at = byId.get(wanted.parentId);
      at;
      at = at.parentId === null ? undefined : byId.get(at.parentId)
    )
      if (self && at.id === self.id)
        throw SetError.invalidProperties(['parentId'], 'a mailbox cannot be its own ancestor')
  }
  if (wanted.role !== null && rows.some((r) => r.role === wanted.role && r.id !== self?.id))
    throw SetError.invalidProperties(['role'], `another mailbox has the role ${wanted.role}`)
  const isInboxName = wanted.parentId === null && wanted.name.toUpperCase() === 'INBOX'
  const sibling = rows.find(
    (r) =>
      r.id !== self?.id &&
      r.parentId === wanted.parentId &&
      (r.name === wanted.name || (isInboxName && r.role === 'inbox')),
  )
  // A second sibling of the same name is a duplicate (alreadyExists, rfc8620#section-5.3, with the
  // existing mailbox's id); the name INBOX elsewhere than the inbox is just not allowed.
  if (sibling && sibling.role !== 'inbox')
    throw new SetError('alreadyExists', 'a sibling mailbox has this name', {
      existingId: formatObjectId('mailbox', sibling.id),
    })
  if (sibling || (isInboxName && self?.role !== 'inbox'))
    throw SetError.invalidProperties(['name'], 'only the inbox may be called INBOX at the top')
}

/** Orders destroys children first, so a parent and its children can go in one call. */
function childrenFirst(ids: string[], rows: MailboxRow[]): string[] {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const depth = (id: string): number => {
    let d = 0
    for (let at = byId.get(parseMailboxId(id) ?? 0); at?.parentId; at = byId.get(at.parentId)) d++
    return d
  }
  return [...ids].sort((a, b) => depth(b) - depth(a))
}

/** Orders creates so that one whose parentId is "#x" comes after the create of x. */
function parentsFirst(create: Record<string, unknown>): Record<string, unknown> {
  const out: [string, unknown][] = []
  const placed = new Set<string>()
  const visit = (key: string, seen: Set<string>) => {
    if (placed.has(key) || seen.has(key)) return
    seen.add(key)
    const object = create[key] as Record<string, unknown> | undefined
    const ref =
      object && typeof object.parentId === 'string' && object.parentId.startsWith('#')
        ? object.parentId.slice(1)
        : undefined
    if (ref !== undefined && ref in create) visit(ref, seen)
    placed.add(key)
    out.push([key, create[key]])
  }
  for (const key of Object.keys(create)) visit(key, new Set())
  return Object.fromEntries(out)
}

/** rfc8621#section-2.5 Mailbox/set. */
export async function mailboxSet(args: MethodArgs, ctx: MethodContext): Promise<MethodArgs> {
  const store = ctx.services.store
  const accountId = ctx.accountId
  const removeEmails = optionalBoolean(args, 'onDestroyRemoveEmails', false)
  const rows = () => store.listMailboxes(accountId)
  const find = (id: string): MailboxRow => {
    const rowId = parseMailboxId(id)
    try {
      if (rowId !== undefined) return store.getMailbox(accountId, rowId)
    } catch (err) {
      if (!isStoreError(err, 'notFound')) throw err
    }
    throw new SetError('notFound', `no mailbox ${id}`)
  }
  const create = optionalObject(args, 'create')
  const destroy = optionalIds(args, 'destroy')
  const ordered = {
    ...args,
    ...(create ? { create: parentsFirst(create) } : {}),
    ...(destroy ? { destroy: childrenFirst(destroy, rows()) } : {}),
  }
  return standardSet(ordered, ctx, 'mailbox', {
    async create(object) {
      const unknown = Object.keys(object).filter((k) => !settable.has(k))
      if (unknown.length > 0)
        throw SetError.invalidProperties(
          unknown,
          known.has(unknown[0] ?? '') ? 'server-set property' : 'unknown property',
        )
      const values = readSettable(ctx, object)
      if (values.name === undefined) throw SetError.invalidProperties(['name'], 'name is required')
      const parentId = values.parentId ?? null
      const role = values.role ?? null
      checkPlacement(rows(), undefined, { name: values.name, parentId, role })
      const row = await store.createChildMailbox(accountId, parentId, values.name, {
        role,
        sortOrder: values.sortOrder ?? 0,
        isSubscribed: values.isSubscribed ?? true,
      })
      // The created object: its id and every property the client did not give (rfc8620#section-5.3).
      const full = toMailbox(row, undefined)
      const out: Record<string, unknown> & { id: string } = { id: formatMailboxId(row.id) }
      for (const [k, v] of Object.entries(full))
        if (!(k in object) || (k === 'isSubscribed' && v !== object[k])) out[k] = v
      return out
    },

    async update(id, patch) {
      const row = find(id)
      const current = toMailbox(row, store.mailboxCounts(accountId, [row.id]).get(row.id))
      const next = applyPatch(current, patch)
      const unknown = Object.keys(next).filter((k) => !known.has(k))
      if (unknown.length > 0) throw SetError.invalidProperties(unknown, 'unknown property')
      // A property the patch set to null is gone from `next`: null for parentId and role,
      // invalid for the others.
      const changed = mailboxProperties.filter(
        (k) => JSON.stringify(next[k] ?? null) !== JSON.stringify(current[k] ?? null),
      )
      const serverSet = changed.filter((k) => !settable.has(k))
      if (serverSet.length > 0) throw SetError.invalidProperties(serverSet, 'server-set property')
      const values = readSettable(ctx, Object.fromEntries(changed.map((k) => [k, next[k] ?? null])))
      if (changed.length === 0) return null
      if (row.role === 'inbox' && (values.name !== undefined || values.parentId !== undefined))
        throw new SetError('forbidden', 'the inbox cannot be renamed or moved')
      if (row.role === 'inbox' && values.role !== undefined)
        throw SetError.invalidProperties(['role'], 'the inbox keeps its role')
      checkPlacement(rows(), row, {
        name: values.name ?? row.name,
        parentId: values.parentId === undefined ? row.parentId : values.parentId,
        role: values.role === undefined ? row.role : values.role,
      })
      const after = await store.updateMailboxProperties(accountId, row.id, values)
      // A subscription left by a deleted mailbox of the new name comes with the name (store rule).
      return values.isSubscribed === undefined && after.isSubscribed !== row.isSubscribed
        ? { isSubscribed: after.isSubscribed }
        : null
    },

    async destroy(id) {
      const row = find(id)
      if (row.role === 'inbox') throw new SetError('forbidden', 'the inbox cannot be destroyed')
      if (rows().some((r) => r.parentId === row.id))
        throw new SetError('mailboxHasChild', 'the mailbox has child mailboxes')
      if (!removeEmails && row.totalEmails > 0)
        throw new SetError('mailboxHasEmail', 'the mailbox is not empty; see onDestroyRemoveEmails')
      await store.deleteMailbox(accountId, row.id, { removeEmails })
    },
  })
}
