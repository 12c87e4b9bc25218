// IDLE (rfc2177, rfc9051#section-6.3.13): changes to the selected mailbox are pushed as they
// commit, until the client sends DONE. The connection's inactivity timer is off meanwhile: a
// client may idle as long as it keeps the connection (clients re-issue IDLE every ~29 minutes).
import type { Handler } from '../context.ts'

export const idle: Handler<'IDLE'> = async (ctx, c) => {
  const { conn } = ctx
  conn.write('+ idling\r\n')
  ctx.sendUpdates(true)
  conn.setIdleTimeout(0)
  try {
    const done = conn.readLine()
    let finished = false
    void done.finally(() => {
      finished = true
    })
    while (!finished) {
      await ctx.waitForChange(done)
      if (!finished && ctx.selected?.dirty) ctx.sendUpdates(true)
      if (!finished && ctx.state === 'logout') return
    }
    const line = await done
    if (line === null) {
      ctx.state = 'logout'
      return
    }
    if (line.trim().toUpperCase() !== 'DONE') {
      ctx.complete(c.tag, 'BAD', 'Expected DONE')
      return
    }
    ctx.complete(c.tag, 'OK', 'IDLE terminated')
  } finally {
    conn.setIdleTimeout(ctx.deps.config.limits.idle_timeout_seconds * 1000)
  }
}
