// The TRANSACTION state (rfc1939#section-5) and QUIT's UPDATE state (rfc1939#section-6):
// STAT, LIST, UIDL, RETR, TOP, DELE, NOOP, RSET on the session's fixed numbering.
import { randomId } from '../../lib/ids.ts'
import { type Pop3Command, Pop3CommandError } from '../proto/commands.ts'
import { type MaildropEntry, type MaildropView, uniqueId } from '../proto/maildrop.ts'
import { dotStuffMessage, dotStuffParts, err, multiline, ok, topOfMessage } from '../proto/responses.ts'
import { capa } from './common.ts'
import type { After, OpenMaildrop, SessionContext } from './types.ts'

/** Octets written between waits for the socket to take them. */
const flushEvery = 256 * 1024
/**
 * Messages up to this size go out as one buffer (one write); larger ones as views into the
 * stored bytes, so they are held in memory once (DESIGN.md: large messages are not copied).
 */
const inlineLimit = 64 * 1024
/** Larger messages are not read ahead: a speculative read should be cheap. */
const prefetchLimit = 1024 * 1024

export async function transactionCommand(session: SessionContext, command: Pop3Command): Promise<After> {
  const { conn } = session
  const drop = session.maildrop
  if (!drop) throw new Error('TRANSACTION state without a maildrop')
  const { view } = drop
  switch (command.verb) {
    case 'CAPA':
      return capa(session)
    case 'STAT': {
      const { count, octets } = view.stat()
      conn.write(ok(`${count} ${octets}`))
      return 'continue'
    }
    case 'LIST':
      conn.write(listing(view, command.message, (_n, e) => String(e.size)))
      return 'continue'
    case 'UIDL':
      conn.write(listing(view, command.message, (_n, e) => uniqueId(drop.accountId, e.emailId)))
      return 'continue'
    case 'RETR':
    case 'TOP': {
      const n = command.message
      const entry = view.get(n)
      const ahead = drop.prefetched?.n === n ? drop.prefetched : undefined
      drop.prefetched = undefined
      const raw = ahead ? ahead.raw : session.deps.store.messageBytes(drop.accountId, entry.emailId)
      if (raw === undefined) {
        // Destroyed by another client during this session; one IMAP moved elsewhere is still served.
        conn.write(err(`message ${n} was removed by another client`))
        return 'continue'
      }
      const body = command.verb === 'TOP' ? topOfMessage(raw, command.lines) : raw
      if (command.verb === 'RETR' && ahead?.response) conn.write(ahead.response)
      else writeMessage(conn, body, command.verb === 'TOP' ? ok('top of message follows') : retrStatus(raw))
      if (command.verb === 'RETR') {
        view.markRetrieved(n)
        // Put the response on its way now (the connection would hold it to combine writes), then
        // read the next message while the client takes this one in.
        void conn.flush()
        prefetchNext(session, drop, n)
      }
      // A client that pipelines many RETRs must not fill our memory: wait for the socket now and then.
      drop.unflushed += body.length
      if (drop.unflushed >= flushEvery) {
        drop.unflushed = 0
        await conn.flush()
      }
      return 'continue'
    }
    case 'DELE':
      view.markDeleted(command.message)
      conn.write(ok(`message ${command.message} deleted`))
      return 'continue'
    case 'NOOP':
      conn.write(ok())
      return 'continue'
    case 'RSET': {
      view.reset()
      const { count, octets } = view.stat()
      conn.write(ok(`maildrop has ${count} messages (${octets} octets)`))
      return 'continue'
    }
    case 'QUIT':
      return quit(session, drop)
    default:
      throw new Pop3CommandError(`${command.verb} is not valid after login`)
  }
}

/** LIST and UIDL: one message's line, or all undeleted messages as a multi-line response. */
function listing(
  view: MaildropView,
  message: number | undefined,
  value: (n: number, e: MaildropEntry) => string,
) {
  if (message !== undefined) return ok(`${message} ${value(message, view.get(message))}`)
  const lines: string[] = []
  for (const [n, entry] of view.live()) lines.push(`${n} ${value(n, entry)}`)
  const { count, octets } = view.stat()
  return multiline(ok(`${count} messages (${octets} octets)`), lines)
}

/**
 * Clients retrieve in order, one RETR after another: reading the next message while this one
 * travels to the client and its next command comes back hides the store's time in that round
 * trip. One message (of at most 1 MB) is held, until the next RETR or TOP.
 */
function prefetchNext(session: SessionContext, drop: OpenMaildrop, n: number): void {
  const next = n + 1
  if (next > drop.view.size || drop.view.isDeleted(next)) return
  const entry = drop.view.get(next)
  if (entry.size > prefetchLimit) return
  const raw = session.deps.store.messageBytes(drop.accountId, entry.emailId)
  if (raw === undefined) return
  // Small messages are also made into their response, so the next RETR only writes it.
  const response = raw.length <= inlineLimit ? dotStuffMessage(raw, retrStatus(raw)) : undefined
  drop.prefetched = { n: next, raw, response }
}

const retrStatus = (raw: Uint8Array) => ok(`${raw.length} octets`)

/** A message as a multi-line response, in one buffer when small, else as views (not copied). */
function writeMessage(conn: SessionContext['conn'], body: Uint8Array, status: string): void {
  if (body.length <= inlineLimit) conn.write(dotStuffMessage(body, status))
  else for (const part of dotStuffParts(body, status)) conn.write(part)
}

/**
 * rfc1939#section-6 QUIT: the UPDATE state. Deleted messages leave the Inbox and retrieved ones
 * get \Seen in one transaction; only then the answer. `pop3.on_delete` may keep deleted
 * messages in Archive or Trash instead.
 */
async function quit(session: SessionContext, drop: OpenMaildrop): Promise<After> {
  const { conn, deps } = session
  const settings = deps.config.pop3
  const remove = drop.view.deletedEmails()
  const seen = settings.mark_seen ? drop.view.retrievedEmails() : []
  if (remove.length > 0 || seen.length > 0) {
    try {
      const target =
        settings.on_delete === 'delete'
          ? undefined
          : deps.store.findMailboxByRole(drop.accountId, settings.on_delete)
      const { removed } = await deps.store.updateMaildrop(drop.accountId, drop.mailboxId, {
        seen,
        remove,
        moveTo: target?.id,
      })
      conn.log.info('maildrop updated', { user: drop.email, deleted: removed, seen: seen.length })
    } catch (e) {
      const ref = randomId(8)
      conn.log.error('maildrop update failed', { ref, user: drop.email, error: e })
      conn.write(err(`some deleted messages not removed (internal error, ref ${ref})`, 'SYS/TEMP'))
      return 'close'
    }
  }
  const left = drop.view.stat().count
  conn.write(
    ok(
      `${deps.config.hostname} POP3 server signing off (${left === 0 ? 'maildrop empty' : `${left} messages left`})`,
    ),
  )
  return 'close'
}
