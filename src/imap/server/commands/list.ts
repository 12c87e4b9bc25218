// LIST (rfc9051#section-6.3.9) with LIST-EXTENDED (rfc5258), CHILDREN (rfc3348), SPECIAL-USE
// (rfc6154) and LIST-STATUS (rfc5819); LSUB for IMAP4rev1 clients (rfc3501#section-6.3.9).
// One personal namespace, "/" between levels, no remote mailboxes.
import type { MailboxRow } from '../../../store/mailboxes.ts'
import { buildListResponse, buildStatusResponse, type ListEntry } from '../../proto/index.ts'
import type { Handler, ImapContext } from '../context.ts'
import { canonicalPattern, compilePattern, delimiter, type PathMatcher } from '../list-match.ts'
import { specialUse } from '../mailbox-names.ts'
import { enableCondstoreByStatus, statusValues } from '../mailbox-status.ts'

/** A mailbox, or a level of the hierarchy above mailboxes that has no mailbox of its own. */
interface Node {
  path: string
  box: MailboxRow | undefined
  /** Some existing mailbox is below it (\HasChildren, rfc5258#section-4). */
  hasChildren: boolean
  /** On the subscription list: the mailbox's own flag, or a name kept after its deletion. */
  subscribed: boolean
}

/** One line of the answer: the node, whether it meets the selection criteria, and CHILDINFO. */
interface Found {
  node: Node
  meetsCriteria: boolean
  /** A descendant meets the selection criteria (rfc5258#section-3.5). */
  criteriaBelow: boolean
}

/**
 * Every mailbox and every level above one, and the subscribed names whose mailbox was deleted
 * (with the levels above them), INBOX first, then by path.
 */
function hierarchy(rows: readonly MailboxRow[], orphans: readonly string[] = []): Node[] {
  const nodes = new Map<string, Node>()
  for (const box of rows)
    nodes.set(box.path, { path: box.path, box, hasChildren: false, subscribed: box.isSubscribed })
  for (const path of orphans) {
    if (!nodes.has(path)) nodes.set(path, { path, box: undefined, hasChildren: false, subscribed: true })
  }
  const levelsAbove = (path: string, exists: boolean) => {
    for (let at = path.lastIndexOf(delimiter); at > 0; at = path.lastIndexOf(delimiter, at - 1)) {
      const parent = path.slice(0, at)
      const node = nodes.get(parent)
      if (node) node.hasChildren ||= exists
      else nodes.set(parent, { path: parent, box: undefined, hasChildren: exists, subscribed: false })
    }
  }
  for (const box of rows) levelsAbove(box.path, true)
  for (const path of orphans) levelsAbove(path, false)
  const isInbox = (p: string) => p === 'INBOX' || p.startsWith(`INBOX${delimiter}`)
  return [...nodes.values()].sort((a, b) => {
    const rank = Number(!isInbox(a.path)) - Number(!isInbox(b.path))
    return rank !== 0 ? rank : a.path < b.path ? -1 : a.path > b.path ? 1 : 0
  })
}

/**
 * The names to return: those matching a pattern and meeting the criteria, and those matching a
 * pattern with a descendant that meets the criteria but matches no pattern itself — the levels a
 * `%` stops at (rfc9051#section-6.3.9, LSUB's \Noselect rule in rfc3501#section-6.3.9, and
 * RECURSIVEMATCH in rfc5258#section-3.1 with example 9 of rfc5258#section-5).
 */
function findEntries(
  nodes: readonly Node[],
  matchers: readonly PathMatcher[],
  meets: (n: Node) => boolean,
): Found[] {
  const matched = new Map<string, boolean>()
  for (const n of nodes)
    matched.set(
      n.path,
      matchers.some((m) => m(n.path)),
    )
  /** path → [a descendant meets the criteria, one such matches no pattern] */
  const below = new Map<string, [boolean, boolean]>()
  for (const n of nodes) {
    if (!meets(n)) continue
    const unmatched = matched.get(n.path) !== true
    for (let at = n.path.lastIndexOf(delimiter); at > 0; at = n.path.lastIndexOf(delimiter, at - 1)) {
      const parent = n.path.slice(0, at)
      const seen = below.get(parent)
      below.set(parent, [true, (seen?.[1] ?? false) || unmatched])
    }
  }
  const out: Found[] = []
  for (const node of nodes) {
    if (matched.get(node.path) !== true) continue
    const meetsCriteria = meets(node)
    const [criteriaBelow, unmatchedBelow] = below.get(node.path) ?? [false, false]
    if (meetsCriteria || unmatchedBelow) out.push({ node, meetsCriteria, criteriaBelow })
  }
  return out
}

/** Matchers for the non-empty patterns; a pattern in an invalid encoding names nothing. */
function matchersFor(ctx: ImapContext, reference: string, patterns: readonly string[]): PathMatcher[] {
  return patterns.flatMap((p) => {
    if (p === '') return []
    const canonical = canonicalPattern(reference, p, ctx.utf8Names)
    return canonical === undefined ? [] : [compilePattern(canonical)]
  })
}

function write(ctx: ImapContext, kind: 'LIST' | 'LSUB', entry: ListEntry): void {
  ctx.conn.write(buildListResponse(kind, entry, { utf8: ctx.utf8Names }))
}

/** A LIST line's attributes; `nonExistent` is the word for a level without a mailbox. */
function listAttributes(node: Node, nonExistent: string, showSubscribed: boolean): string[] {
  const attributes: string[] = []
  if (!node.box) attributes.push(nonExistent)
  // CHILDREN (rfc3348) is announced, so these go out whether or not RETURN (CHILDREN) asked.
  attributes.push(node.hasChildren ? '\\HasChildren' : '\\HasNoChildren')
  // rfc6154#section-2: the server MAY return special-use attributes unasked, and clients that
  // never ask (a plain LIST) rely on them, so they always go out (rfc6154#section-5.1 does too).
  const use = specialUse(node.box?.role ?? null)
  if (use) attributes.push(use)
  if (showSubscribed && node.subscribed) attributes.push('\\Subscribed')
  return attributes
}

export const list: Handler<'LIST'> = (ctx, c) => {
  const { selection, returns } = c
  const accountId = ctx.account?.id ?? 0
  // rfc9051#section-6.3.9: an empty pattern asks for the delimiter and the root ("" here).
  if (c.patterns.includes('')) write(ctx, 'LIST', { attributes: ['\\Noselect'], delimiter, name: '' })
  const matchers = matchersFor(ctx, c.reference, c.patterns)
  const statusItems = returns.status
  if (statusItems) enableCondstoreByStatus(ctx, statusItems)
  if (matchers.length > 0) {
    // SUBSCRIBED and SPECIAL-USE select (rfc5258#section-3.1, rfc6154#section-2); without
    // either, every existing mailbox meets the criteria.
    // rfc5258#section-3.1: with SUBSCRIBED, a subscribed name meets it whether or not it exists.
    const meets = (n: Node) =>
      (selection.subscribed ? n.subscribed : n.box !== undefined) &&
      (!selection.specialUse || specialUse(n.box?.role ?? null) !== undefined)
    const showSubscribed = selection.subscribed || returns.subscribed
    const nonExistent = c.extended || ctx.enabled.has('IMAP4REV2') ? '\\NonExistent' : '\\Noselect'
    const childInfo = [
      ...(selection.subscribed ? ['SUBSCRIBED'] : []),
      ...(selection.specialUse ? ['SPECIAL-USE'] : []),
    ]
    const rows = ctx.deps.store.listMailboxes(accountId)
    const orphans =
      selection.subscribed || returns.subscribed ? ctx.deps.store.orphanSubscriptions(accountId) : []
    for (const found of findEntries(hierarchy(rows, orphans), matchers, meets)) {
      const { node } = found
      const attributes = listAttributes(node, nonExistent, showSubscribed)
      const entry: ListEntry = { attributes, delimiter, name: node.path }
      if (selection.recursiveMatch && found.criteriaBelow) entry.childInfo = childInfo
      write(ctx, 'LIST', entry)
      // rfc5819#section-2: STATUS right after the LIST line, for selectable mailboxes that match.
      if (statusItems && found.meetsCriteria && node.box) {
        const values = statusValues(ctx, node.box, statusItems)
        ctx.conn.write(buildStatusResponse(node.path, values, { utf8: ctx.utf8Names }))
      }
    }
  }
  ctx.complete(c.tag, 'OK', 'LIST completed')
}

/**
 * LSUB (rfc3501#section-6.3.9): subscribed mailboxes; a level that is not subscribed but has a
 * subscribed mailbox below it that the pattern does not reach (`%`) goes out as \Noselect.
 */
export const lsub: Handler<'LSUB'> = (ctx, c) => {
  const accountId = ctx.account?.id ?? 0
  const matchers = matchersFor(ctx, c.reference, [c.pattern])
  if (matchers.length > 0) {
    const nodes = hierarchy(
      ctx.deps.store.listMailboxes(accountId),
      ctx.deps.store.orphanSubscriptions(accountId),
    )
    const meets = (n: Node) => n.subscribed
    for (const { node, meetsCriteria } of findEntries(nodes, matchers, meets)) {
      write(ctx, 'LSUB', { attributes: meetsCriteria ? [] : ['\\Noselect'], delimiter, name: node.path })
    }
  }
  ctx.complete(c.tag, 'OK', 'LSUB completed')
}
