// Commands about the session itself: CAPABILITY, NOOP, CHECK, LOGOUT, STARTTLS, ID, ENABLE,
// NAMESPACE, UNAUTHENTICATE (rfc9051#section-6.1, rfc2971, rfc5161, rfc8437).
import { StartTlsError } from '../../../net/index.ts'
import { enableable } from '../capabilities.ts'
import type { Enableable, Handler } from '../context.ts'
import { version } from '../version.ts'

export const capability: Handler<'CAPABILITY'> = (ctx, c) => {
  ctx.untagged(`CAPABILITY ${ctx.capabilities().join(' ')}`)
  ctx.complete(c.tag, 'OK', 'CAPABILITY completed')
}

/** NOOP and CHECK: the completion carries whatever changed (rfc9051#section-6.1.2). */
export const noop: Handler<'NOOP' | 'CHECK'> = (ctx, c) => {
  ctx.complete(c.tag, 'OK', `${c.name} completed`)
}

export const logout: Handler<'LOGOUT'> = (ctx, c) => {
  ctx.untagged('BYE Logging out')
  ctx.state = 'logout'
  ctx.complete(c.tag, 'OK', 'LOGOUT completed')
}

export const starttls: Handler<'STARTTLS'> = async (ctx, c) => {
  if (!ctx.conn.canStartTls) {
    ctx.complete(c.tag, 'BAD', ctx.conn.isTls ? 'TLS is already active' : 'STARTTLS is not available here')
    return
  }
  try {
    // rfc9051#section-6.2.1: the client must ask for capabilities again afterwards.
    await ctx.conn.startTls(`${c.tag} OK Begin TLS negotiation now\r\n`)
  } catch (err) {
    if (err instanceof StartTlsError) ctx.complete(c.tag, 'BAD', err.message)
    else throw err
  }
}

/** rfc2971: the client's identification goes to the log; ours is name and version. */
export const id: Handler<'ID'> = (ctx, c) => {
  if (c.parameters) {
    ctx.conn.log.info(
      'client id',
      Object.fromEntries(c.parameters.map(([k, v]) => [k.toLowerCase(), v ?? ''])),
    )
  }
  ctx.untagged(`ID ("name" "Postern" "version" "${version}")`)
  ctx.complete(c.tag, 'OK', 'ID completed')
}

export const enable: Handler<'ENABLE'> = (ctx, c) => {
  const allowed = enableable(ctx.capabilities())
  const newly: string[] = []
  for (const name of c.capabilities) {
    if (!allowed.has(name) || ctx.enabled.has(name as Enableable)) continue
    // rfc9051#section-6.3.1: ENABLE IMAP4rev2 goes before SELECT; later it would change the rules mid-way.
    if (name === 'IMAP4REV2' && ctx.state === 'selected') continue
    ctx.enabled.add(name as Enableable)
    newly.push(name)
    // rfc7162#section-3.2.3: QRESYNC implies CONDSTORE.
    if (name === 'QRESYNC' && !ctx.enabled.has('CONDSTORE')) ctx.enabled.add('CONDSTORE')
  }
  ctx.untagged(newly.length > 0 ? `ENABLED ${newly.join(' ')}` : 'ENABLED')
  ctx.complete(c.tag, 'OK', 'ENABLE completed')
}

/** One personal namespace, "/" between levels, no shared or other users' folders (rfc2342). */
export const namespace: Handler<'NAMESPACE'> = (ctx, c) => {
  ctx.untagged('NAMESPACE (("" "/")) NIL NIL')
  ctx.complete(c.tag, 'OK', 'NAMESPACE completed')
}

export const unauthenticate: Handler<'UNAUTHENTICATE'> = (ctx, c) => {
  ctx.logout()
  ctx.complete(c.tag, 'OK', 'UNAUTHENTICATE completed')
}
