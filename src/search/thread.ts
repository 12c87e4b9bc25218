// THREAD algorithms of rfc5256#section-2.2 (ORDEREDSUBJECT) and rfc5256#section-2.3 (REFERENCES),
// over the messages a search selected. Pure: the caller loads the stored fields.
import type { ThreadNode } from './query.ts'

/** What threading needs of one message; `position` is its place in the mailbox (sequence order). */
export interface ThreadInput {
  uid: number
  position: number
  messageId: string | null
  /** References, or (without References) In-Reply-To's first id (rfc5256#section-2.2 step 1A). */
  references: string[]
  subject: string
  baseSubject: string
  /** Sent date, ms (receivedAt when the Date header is missing or broken). */
  date: number
}

interface Container {
  message: ThreadInput | null
  parent: Container | null
  children: Container[]
}

const refwd = /^[ \t]*(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/i

/** rfc5256#section-2.1: the subject is a reply or forward when base-subject extraction removed a subj-refwd or subj-fwd. */
export function isReplyOrForward(subject: string): boolean {
  const s = subject.replace(/[\t\r\n ]+/g, ' ')
  return refwd.test(s) || /^[ \t]*(?:\[[^[\]]*\][ \t]*)*\[fwd:/i.test(s) || /\(fwd\)[ \t]*$/i.test(s)
}

const subjectKey = (s: string) => s.toUpperCase()

function byDate(a: ThreadInput, b: ThreadInput): number {
  return a.date - b.date || a.position - b.position
}

/** rfc5256#section-2.2 ORDEREDSUBJECT: by base subject, each group's first message the parent of the rest. */
export function threadOrderedSubject(messages: ThreadInput[]): ThreadNode[] {
  const groups = new Map<string, ThreadInput[]>()
  for (const m of [...messages].sort(byDate)) {
    const key = subjectKey(m.baseSubject)
    const g = groups.get(key)
    if (g) g.push(m)
    else groups.set(key, [m])
  }
  const threads = [...groups.values()].map((g) => g) // each sorted by date already
  threads.sort((a, b) => byDate(a[0] as ThreadInput, b[0] as ThreadInput))
  return threads.map(([first, ...rest]) => ({
    uid: (first as ThreadInput).uid,
    children: rest.map((m) => ({ uid: m.uid, children: [] })),
  }))
}

function isAncestor(a: Container, of: Container): boolean {
  for (let c: Container | null = of; c; c = c.parent) if (c === a) return true
  return false
}

function link(parent: Container, child: Container): void {
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child)
  child.parent = parent
  parent.children.push(child)
}

function unlink(child: Container): void {
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child)
  child.parent = null
}

/** rfc5256#section-2.2 step 4: dummies without children go; dummies not at the root with children give them to their parent. */
function prune(list: Container[], parent: Container | null): Container[] {
  const out: Container[] = []
  for (const c of list) {
    c.children = prune(c.children, c)
    if (c.message !== null) out.push(c)
    else if (c.children.length === 0) continue
    else if (parent === null && c.children.length > 1) out.push(c)
    else out.push(...c.children)
  }
  for (const c of out) c.parent = parent
  return out
}

function firstMessage(c: Container): ThreadInput | null {
  return c.message ?? (c.children[0] ? firstMessage(c.children[0]) : null)
}

const isReply = (c: Container) => c.message !== null && isReplyOrForward(c.message.subject)

/** rfc5256#section-2.2 step 5: root threads with the same base subject are gathered. */
function gatherBySubject(roots: Container[]): Container[] {
  const keyOf = (c: Container) => subjectKey(firstMessage(c)?.baseSubject ?? '')
  const table = new Map<string, Container>()
  for (const c of roots) {
    const key = keyOf(c)
    if (key === '') continue
    const old = table.get(key)
    if (
      !old ||
      (c.message === null && old.message !== null) ||
      (old.message !== null && isReply(old) && !isReply(c))
    )
      table.set(key, c)
  }
  const result = [...roots]
  const deleted = new Set<Container>()
  for (const c of roots) {
    if (deleted.has(c) || c.parent !== null) continue
    const key = keyOf(c)
    const other = key === '' ? undefined : table.get(key)
    if (!other || other === c) continue
    if (c.message === null && other.message === null) {
      for (const child of [...c.children]) link(other, child)
      deleted.add(c)
    } else if (other.message === null) link(other, c)
    else if (isReply(c) && !isReply(other)) link(other, c)
    else {
      const dummy: Container = { message: null, parent: null, children: [] }
      link(dummy, other)
      link(dummy, c)
      table.set(key, dummy)
      result.push(dummy)
    }
  }
  return result.filter((c) => c.parent === null && !deleted.has(c))
}

function sortTree(list: Container[]): void {
  for (const c of list) sortTree(c.children)
  const date = (c: Container) => firstMessage(c) as ThreadInput
  list.sort((a, b) => byDate(date(a), date(b)))
}

function toNode(c: Container): ThreadNode {
  return { uid: c.message?.uid ?? null, children: c.children.map(toNode) }
}

/** rfc5256#section-2.2 REFERENCES (the "threading algorithm" of Jamie Zawinski, as the RFC gives it). */
export function threadReferences(messages: ThreadInput[]): ThreadNode[] {
  const byId = new Map<string, Container>()
  const containerFor = (id: string): Container => {
    let c = byId.get(id)
    if (!c) {
      c = { message: null, parent: null, children: [] }
      byId.set(id, c)
    }
    return c
  }
  let unique = 0
  const ordered = [...messages].sort((a, b) => a.position - b.position)
  for (const m of ordered) {
    // step 1A: a message without a Message-ID, or with one already used, gets a unique one
    let id = m.messageId
    if (id === null || byId.get(id)?.message) id = `\0unique-${++unique}`
    const own = containerFor(id)
    own.message = m
    let prev: Container | null = null
    for (const ref of m.references) {
      const c = containerFor(ref)
      // step 1A: link references in order, keeping existing parents and never making a loop
      if (prev && c.parent === null && c !== prev && !isAncestor(c, prev)) link(prev, c)
      prev = c
    }
    // step 1B: the last reference is the message's parent (unless that makes a loop)
    if (prev && prev !== own && !isAncestor(own, prev)) link(prev, own)
    else if (!prev) unlink(own)
  }
  // step 2: the root set
  const roots = [...byId.values()].filter((c) => c.parent === null)
  // steps 4-5
  const gathered = gatherBySubject(prune(roots, null))
  // step 6
  sortTree(gathered)
  return gathered.map(toNode)
}
