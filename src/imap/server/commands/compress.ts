// COMPRESS DEFLATE (rfc4978): after the OK both directions are raw DEFLATE; worth it on slow
// links (phones), where IMAP's verbose text shrinks several times.
import { CompressionError } from '../../../net/index.ts'
import type { Handler } from '../context.ts'

export const compress: Handler<'COMPRESS'> = async (ctx, c) => {
  if (c.mechanism !== 'DEFLATE') {
    ctx.complete(c.tag, 'BAD', `Unknown compression mechanism ${c.mechanism}`)
    return
  }
  if (ctx.conn.isCompressed) {
    ctx.complete(c.tag, 'NO', 'Compression is already active', { code: 'COMPRESSIONACTIVE' })
    return
  }
  try {
    await ctx.conn.startCompression(`${c.tag} OK DEFLATE active\r\n`)
  } catch (err) {
    if (err instanceof CompressionError) ctx.complete(c.tag, 'NO', err.message, { code: 'CANNOT' })
    else throw err
  }
}
