// Input buffering shared by every transport (sockets and the in-memory pair): turns received
// chunks into lines (CRLF or bare LF) and exact byte counts, enforces the maximum line length
// and tells the transport when to pause reading. Pure: no sockets, no timers.

/** A line exceeded the maximum line length; the rest of it (up to the next LF) is discarded. */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`)
    this.name = 'LineTooLongError'
  }
}

/** Options for {@link InputBuffer}. */
export interface InputBufferOptions {
  /** Longest accepted line in bytes, without its CRLF. */
  maxLineLength: number
  /** Unread bytes above which the transport should stop reading (default: max(64 KiB, maxLineLength + 2)). */
  highWaterMark?: number
  /** Called when unread input passes the high-water mark while nobody is reading. */
  onPause?: () => void
  /** Called when reading should start again after {@link InputBufferOptions.onPause}. */
  onResume?: () => void
}

type Request =
  | { kind: 'line'; resolve: (line: Uint8Array | null) => void; reject: (err: Error) => void }
  | { kind: 'bytes'; n: number; got: number; parts: Uint8Array[]; resolve: (b: Uint8Array | null) => void }

const LF = 0x0a
const CR = 0x0d
const initialCapacity = 4096
const shrinkAbove = 1024 * 1024

/**
 * A FIFO of received bytes with queued read requests (served in call order).
 * An unterminated last line at end of input is dropped: protocols act on complete lines only.
 */
export class InputBuffer {
  readonly maxLineLength: number
  readonly #highWaterMark: number
  readonly #onPause: (() => void) | undefined
  readonly #onResume: (() => void) | undefined
  #buf = new Uint8Array(initialCapacity)
  #start = 0
  #end = 0
  /** Absolute index up to which the current partial line has been searched for LF. */
  #scanned = 0
  #ended = false
  /** Dropping input up to and including the next LF, after a too-long line. */
  #discarding = false
  #paused = false
  readonly #requests: Request[] = []

  constructor(options: InputBufferOptions) {
    this.maxLineLength = options.maxLineLength
    this.#highWaterMark = options.highWaterMark ?? Math.max(64 * 1024, options.maxLineLength + 2)
    this.#onPause = options.onPause
    this.#onResume = options.onResume
  }

  /** Bytes received and not yet read. */
  get bufferedLength(): number {
    return this.#end - this.#start
  }

  /** True once {@link end} or {@link destroy} was called. */
  get isEnded(): boolean {
    return this.#ended
  }

  /** Adds received bytes. Ignored after end of input. */
  push(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return
    let data = chunk
    if (this.#discarding) {
      const lf = data.indexOf(LF)
      if (lf === -1) return
      this.#discarding = false
      data = data.subarray(lf + 1)
    }
    this.#append(data)
    this.#pump()
  }

  /** End of input: pending and later reads get what is complete, then null. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#pump()
  }

  /** Drops everything unread and ends input: every pending and later read resolves null. */
  destroy(): void {
    this.discardBuffered()
    this.end()
  }

  /**
   * Drops all unread input and returns how many bytes were dropped. STARTTLS uses this so
   * plaintext pipelined after the command is never read as if it came over TLS (CVE-2011-0411).
   */
  discardBuffered(): number {
    const dropped = this.#end - this.#start
    this.#discarding = false
    this.#reset()
    this.#updatePause()
    return dropped
  }

  /**
   * The next line without its line ending (CRLF or LF), or null at end of input. Rejects with
   * {@link LineTooLongError} when the line exceeds the maximum; the next read starts after it.
   */
  readLine(): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      this.#requests.push({ kind: 'line', resolve, reject })
      this.#pump()
    })
  }

  /** Exactly `n` bytes, or null if input ends first (the partial bytes are lost). */
  readBytes(n: number): Promise<Uint8Array | null> {
    if (!Number.isSafeInteger(n) || n < 0) return Promise.reject(new RangeError(`bad byte count ${n}`))
    return new Promise((resolve) => {
      this.#requests.push({ kind: 'bytes', n, got: 0, parts: [], resolve })
      this.#pump()
    })
  }

  #pump(): void {
    for (let req = this.#requests[0]; req !== undefined; req = this.#requests[0]) {
      if (req.kind === 'bytes') {
        const take = Math.min(req.n - req.got, this.#end - this.#start)
        if (take > 0) {
          req.parts.push(this.#buf.slice(this.#start, this.#start + take))
          req.got += take
          this.#consume(take)
        }
        if (req.got === req.n) {
          this.#requests.shift()
          req.resolve(concat(req.parts, req.n))
        } else if (this.#ended) {
          this.#requests.shift()
          req.resolve(null)
        } else break
      } else {
        const line = this.#takeLine()
        if (line === undefined) {
          if (!this.#ended) break
          this.#requests.shift()
          req.resolve(null)
        } else {
          this.#requests.shift()
          if (line instanceof LineTooLongError) req.reject(line)
          else req.resolve(line)
        }
      }
    }
    this.#updatePause()
  }

  /** A complete line, a too-long error, or undefined when no complete line is buffered yet. */
  #takeLine(): Uint8Array | LineTooLongError | undefined {
    const from = Math.max(this.#scanned, this.#start)
    const rel = this.#buf.subarray(from, this.#end).indexOf(LF)
    if (rel === -1) {
      this.#scanned = this.#end
      // Room for the content plus a CR whose LF has not arrived yet.
      if (this.#end - this.#start > this.maxLineLength + 1) {
        this.#reset()
        this.#discarding = true
        return new LineTooLongError(this.maxLineLength)
      }
      return undefined
    }
    const lf = from + rel
    const lineEnd = lf > this.#start && this.#buf[lf - 1] === CR ? lf - 1 : lf
    const tooLong = lineEnd - this.#start > this.maxLineLength
    const line = tooLong ? new LineTooLongError(this.maxLineLength) : this.#buf.slice(this.#start, lineEnd)
    this.#consume(lf + 1 - this.#start)
    return line
  }

  #append(data: Uint8Array): void {
    if (data.length === 0) return
    if (this.#end + data.length > this.#buf.length) {
      const live = this.#end - this.#start
      const needed = live + data.length
      if (needed <= this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#end)
      } else {
        const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2))
        grown.set(this.#buf.subarray(this.#start, this.#end))
        this.#buf = grown
      }
      this.#scanned = Math.max(0, this.#scanned - this.#start)
      this.#start = 0
      this.#end = live
    }
    this.#buf.set(data, this.#end)
    this.#end += data.length
  }

  #consume(n: number): void {
    this.#start += n
    this.#scanned = this.#start
    if (this.#start === this.#end) this.#reset()
  }

  #reset(): void {
    this.#start = 0
    this.#end = 0
    this.#scanned = 0
    if (this.#buf.length > shrinkAbove) this.#buf = new Uint8Array(initialCapacity)
  }

  #updatePause(): void {
    const shouldPause =
      !this.#ended && this.#requests.length === 0 && this.bufferedLength >= this.#highWaterMark
    if (shouldPause === this.#paused) return
    this.#paused = shouldPause
    if (shouldPause) this.#onPause?.()
    else this.#onResume?.()
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
