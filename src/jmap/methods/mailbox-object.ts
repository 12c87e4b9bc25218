// The JMAP Mailbox object (rfc8621#section-2) as built from the store's mailbox rows and counts.
import type { MailboxRow } from '../../store/mailboxes.ts'
import { formatObjectId, parseObjectId } from '../../store/object-ids.ts'

/** Every Mailbox property (rfc8621#section-2), in the order the RFC lists them. */
export const mailboxProperties = [
  'id',
  'name',
  'parentId',
  'role',
  'sortOrder',
  'totalEmails',
  'unreadEmails',
  'totalThreads',
  'unreadThreads',
  'myRights',
  'isSubscribed',
] as const

export const countProperties = ['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'] as const

/** Longest name in UTF-8 octets (the account's maxSizeMailboxName): IMAP's 255, counted strictly. */
export const maxSizeMailboxName = 255

export const formatMailboxId = (id: number): string => formatObjectId('mailbox', id)
export const parseMailboxId = (id: string): number | undefined => parseObjectId('mailbox', id)

/**
 * rfc8621#section-2 myRights. The account is the user's own, so everything is allowed except
 * what the store refuses for the inbox: renaming it and deleting it.
 */
export function rightsOf(row: MailboxRow): Record<string, boolean> {
  const isInbox = row.role === 'inbox'
  return {
    mayReadItems: true,
    mayAddItems: true,
    mayRemoveItems: true,
    maySetSeen: true,
    maySetKeywords: true,
    mayCreateChild: true,
    mayRename: !isInbox,
    mayDelete: !isInbox,
    maySubmit: true,
  }
}

export interface Counts {
  totalEmails: number
  unreadEmails: number
  totalThreads: number
  unreadThreads: number
}

export function toMailbox(row: MailboxRow, counts: Counts | undefined): Record<string, unknown> {
  return {
    id: formatMailboxId(row.id),
    name: row.name,
    parentId: row.parentId === null ? null : formatMailboxId(row.parentId),
    role: row.role,
    sortOrder: row.sortOrder,
    totalEmails: counts?.totalEmails ?? 0,
    unreadEmails: counts?.unreadEmails ?? 0,
    totalThreads: counts?.totalThreads ?? 0,
    unreadThreads: counts?.unreadThreads ?? 0,
    myRights: rightsOf(row),
    isSubscribed: row.isSubscribed,
  }
}
