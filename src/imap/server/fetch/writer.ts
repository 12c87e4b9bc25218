// Writes FETCH responses to the connection as they are made, waiting for the socket to drain
// every megabyte, so FETCH 1:* BODY[] never builds one giant response and a slow client slows
// only itself (backpressure).
import type { Connection } from '../../../net/index.ts'
import type { WirePart } from '../../proto/index.ts'

/** Bytes written between waits for the socket to drain. */
const flushEvery = 1024 * 1024
/** Pieces up to this size are joined into one write; larger ones go out in slices. */
const joinBelow = 64 * 1024

export class ResponseWriter {
  private sinceFlush = 0

  constructor(private readonly conn: Connection) {}

  /**
   * `* seq FETCH (items)` CRLF. String pieces are byte strings (latin1), as formatImapValue and
   * the item renderer produce them.
   */
  async fetchResponse(seq: number, items: WirePart[]): Promise<void> {
    let small: Uint8Array[] = [Buffer.from(`* ${seq} FETCH (`, 'latin1')]
    for (const part of items) {
      const bytes = typeof part === 'string' ? Buffer.from(part, 'latin1') : part
      if (bytes.length < joinBelow) {
        small.push(bytes)
        continue
      }
      await this.write(Buffer.concat(small))
      small = []
      for (let i = 0; i < bytes.length; i += flushEvery) {
        await this.write(bytes.subarray(i, Math.min(bytes.length, i + flushEvery)))
      }
    }
    small.push(Buffer.from(')\r\n', 'latin1'))
    await this.write(Buffer.concat(small))
  }

  /** An untagged line of plain ASCII text (VANISHED). */
  async line(text: string): Promise<void> {
    await this.write(Buffer.from(text, 'latin1'))
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return
    this.conn.write(bytes)
    this.sinceFlush += bytes.length
    if (this.sinceFlush >= flushEvery) {
      this.sinceFlush = 0
      await this.conn.flush()
    }
  }
}
