// Writes FETCH responses to the connection as they are made: small pieces are copied into one
// output buffer (no buffer per piece, no concatenation), which goes out whenever it fills, and
// the writer waits for the socket to drain every megabyte, so FETCH 1:* BODY[] never builds one
// giant response and a slow client slows only itself (backpressure).
import type { Connection } from '../../../net/index.ts'
import type { WirePart } from '../../proto/index.ts'

/** Bytes written between waits for the socket to drain. */
const flushEvery = 1024 * 1024
/** The output buffer; pieces at least this large go out on their own, in slices. */
const chunkSize = 64 * 1024

export class ResponseWriter {
  private sinceFlush = 0
  private buf = Buffer.allocUnsafe(chunkSize)
  private used = 0

  constructor(private readonly conn: Connection) {}

  /**
   * `* seq FETCH (items)` CRLF. String pieces are byte strings (latin1), as formatImapValue and
   * the item renderer produce them. Returns a promise only when it had to send or wait.
   */
  fetchResponse(seq: number, items: WirePart[]): Promise<void> | undefined {
    const head = `* ${seq} FETCH (`
    let length = head.length + 3
    for (const part of items) length += part.length // a byte string has one char per byte
    if (length > chunkSize - this.used) return this.fetchResponseSlowly(head, items)
    this.copy(head)
    for (const part of items) this.copy(part)
    this.copy(')\r\n')
    return undefined
  }

  /** An untagged line of plain ASCII text (VANISHED), CRLF included. */
  async line(text: string): Promise<void> {
    await this.put(text)
  }

  /** Sends what is buffered; call before the command's completion. */
  async end(): Promise<void> {
    await this.send()
  }

  private async fetchResponseSlowly(head: string, items: WirePart[]): Promise<void> {
    await this.put(head)
    for (const part of items) await this.put(part)
    await this.put(')\r\n')
  }

  private copy(part: WirePart): void {
    if (typeof part === 'string') this.buf.write(part, this.used, 'latin1')
    else this.buf.set(part, this.used)
    this.used += part.length
  }

  private async put(part: WirePart): Promise<void> {
    if (part.length > chunkSize - this.used) {
      await this.send()
      if (part.length >= chunkSize) {
        const bytes = typeof part === 'string' ? Buffer.from(part, 'latin1') : part
        for (let i = 0; i < bytes.length; i += flushEvery) {
          await this.write(bytes.subarray(i, Math.min(bytes.length, i + flushEvery)))
        }
        return
      }
    }
    this.copy(part)
  }

  private async send(): Promise<void> {
    if (this.used === 0) return
    const full = this.buf.subarray(0, this.used)
    // The connection keeps the bytes until the socket takes them: the next ones go elsewhere.
    this.buf = Buffer.allocUnsafe(chunkSize)
    this.used = 0
    await this.write(full)
  }

  private async write(bytes: Uint8Array): Promise<void> {
    this.conn.write(bytes)
    this.sinceFlush += bytes.length
    if (this.sinceFlush >= flushEvery) {
      this.sinceFlush = 0
      await this.conn.flush()
    }
  }
}
