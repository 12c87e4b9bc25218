// Writes FETCH responses to the connection as they are made: pieces are gathered and go out as
// one buffer of exactly their size whenever 64 KiB are pending (a message body that large goes
// out as it is, without a copy), and the writer waits for the socket to drain every megabyte, so
// FETCH 1:* BODY[] never builds one giant response and a slow client slows only itself
// (backpressure). No buffer is set aside per command: a busy server answers thousands of small
// FETCHes a second, and a fixed 64 KiB buffer each was most of its garbage.
import { joinParts } from '../../../lib/join-parts.ts'
import type { Connection } from '../../../net/index.ts'
import type { WirePart } from '../../proto/index.ts'

/** Bytes written between waits for the socket to drain. */
const flushEvery = 1024 * 1024
/** Pending bytes that make the writer send; byte pieces this large are sent without a copy. */
const chunkSize = 64 * 1024

export class ResponseWriter {
  private sinceFlush = 0
  private parts: WirePart[] = []
  private pending = 0

  constructor(private readonly conn: Connection) {}

  /**
   * `* seq FETCH (items)` CRLF. String pieces are byte strings (latin1), as formatImapValue and
   * the item renderer produce them. Returns a promise only when it had to send or wait.
   */
  fetchResponse(seq: number, items: WirePart[]): Promise<void> | undefined {
    this.add(`* ${seq} FETCH (`)
    for (const part of items) this.add(part)
    this.add(')\r\n')
    return this.pending >= chunkSize ? this.send() : undefined
  }

  /** An untagged line of plain ASCII text (VANISHED), CRLF included. */
  async line(text: string): Promise<void> {
    this.add(text)
    if (this.pending >= chunkSize) await this.send()
  }

  /** Sends what is pending; call before the command's completion. */
  async end(): Promise<void> {
    await this.send()
  }

  private add(part: WirePart): void {
    if (part.length === 0) return
    this.parts.push(part)
    this.pending += part.length // a byte string has one char per byte
  }

  private async send(): Promise<void> {
    if (this.pending === 0) return
    const parts = this.parts
    this.parts = []
    this.pending = 0
    let run: WirePart[] = []
    let runBytes = 0
    for (const part of parts) {
      if (part.length < chunkSize) {
        run.push(part)
        runBytes += part.length
        continue
      }
      if (runBytes > 0) await this.write(joinParts(run, 'latin1', runBytes))
      run = []
      runBytes = 0
      const bytes = typeof part === 'string' ? Buffer.from(part, 'latin1') : part
      for (let i = 0; i < bytes.length; i += flushEvery) {
        await this.write(bytes.subarray(i, Math.min(bytes.length, i + flushEvery)))
      }
    }
    if (runBytes > 0) await this.write(joinParts(run, 'latin1', runBytes))
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
