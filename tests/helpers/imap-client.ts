// A raw IMAP client for protocol tests: sends tagged commands and collects the responses
// byte-exactly (literals included in the line they belong to), over plain TCP, STARTTLS or TLS.
import net from 'node:net'
import tls from 'node:tls'
import zlib from 'node:zlib'

export interface ImapReply {
  /** Untagged and continuation lines, literals inlined as `{n}\r\n<bytes>`. */
  untagged: string[]
  /** The tagged completion line, without the tag: `OK [READ-WRITE] SELECT completed`. */
  done: string
}

export class ImapClient {
  private buffer = Buffer.alloc(0)
  private waiters: (() => void)[] = []
  private ended = false
  private counter = 0
  private deflate: zlib.DeflateRaw | undefined

  private constructor(private socket: net.Socket) {
    this.attach(socket)
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<ImapClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = options.tls
        ? tls.connect({ host: '127.0.0.1', port, servername: 'mail.example.test', rejectUnauthorized: false })
        : net.connect({ host: '127.0.0.1', port })
      s.once(options.tls ? 'secureConnect' : 'connect', () => resolve(s))
      s.once('error', reject)
    })
    return new ImapClient(socket)
  }

  /** Connects, reads the greeting, logs in (plaintext allowed in the test server) and returns the client. */
  static async login(port: number, user: string, password: string): Promise<ImapClient> {
    const c = await ImapClient.connect(port)
    await c.line()
    const reply = await c.command(`LOGIN ${quote(user)} ${quote(password)}`)
    if (!reply.done.startsWith('OK')) throw new Error(`login failed: ${reply.done}`)
    return c
  }

  private received = (d: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, d])
    for (const w of this.waiters.splice(0)) w()
  }

  private attach(socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.received(d))
    const end = () => {
      this.ended = true
      for (const w of this.waiters.splice(0)) w()
    }
    socket.on('end', end)
    socket.on('close', end)
    socket.on('error', () => {})
  }

  get closed(): boolean {
    return this.ended
  }

  private async more(timeoutMs: number): Promise<void> {
    if (this.ended)
      throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`)),
        timeoutMs,
      )
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** One response line with its literals, as latin1 text (bytes preserved), without the final CRLF. */
  async line(timeoutMs = 5000): Promise<string> {
    let out = ''
    for (;;) {
      const nl = this.buffer.indexOf('\r\n')
      if (nl < 0) {
        await this.more(timeoutMs)
        continue
      }
      const text = this.buffer.subarray(0, nl).toString('latin1')
      const literal = /\{(\d+)\}$/.exec(text)
      if (!literal) {
        this.buffer = this.buffer.subarray(nl + 2)
        return out + text
      }
      const size = Number(literal[1])
      while (this.buffer.length < nl + 2 + size) await this.more(timeoutMs)
      out += this.buffer.subarray(0, nl + 2 + size).toString('latin1')
      this.buffer = this.buffer.subarray(nl + 2 + size)
    }
  }

  send(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text
    if (this.deflate) {
      this.deflate.write(bytes)
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH)
    } else this.socket.write(bytes)
  }

  /** After `COMPRESS DEFLATE` was answered OK: both directions raw DEFLATE (rfc4978). */
  startCompression(): void {
    const inflate = zlib.createInflateRaw()
    this.socket.removeAllListeners('data')
    this.socket.removeAllListeners('end')
    this.socket.removeAllListeners('close')
    this.socket.on('data', (d: Buffer) => inflate.write(d))
    inflate.on('data', (d: Buffer) => this.received(d))
    // The end of the connection counts only once the decompressor has given up what it holds.
    const end = () => inflate.end()
    this.socket.on('end', end)
    this.socket.on('close', end)
    // A DEFLATE stream cut at a sync flush has no final block: inflate reports "unexpected end".
    const finished = () => {
      this.ended = true
      for (const w of this.waiters.splice(0)) w()
    }
    inflate.on('end', finished)
    inflate.on('error', finished)
    const deflate = zlib.createDeflateRaw()
    deflate.on('data', (d: Buffer) => this.socket.write(d))
    this.deflate = deflate
    /** Compressed bytes received, for tests that check compression happens. */
    this.socket.on('data', (d: Buffer) => {
      this.compressedBytes += d.length
    })
  }

  compressedBytes = 0

  /** Sends `tag text` and collects lines until the tagged completion. */
  async command(text: string, timeoutMs = 5000): Promise<ImapReply> {
    const tag = `t${++this.counter}`
    this.send(`${tag} ${text}\r\n`)
    return this.until(tag, timeoutMs)
  }

  async until(tag: string, timeoutMs = 5000): Promise<ImapReply> {
    const untagged: string[] = []
    for (;;) {
      const l = await this.line(timeoutMs)
      if (l.startsWith(`${tag} `)) return { untagged, done: l.slice(tag.length + 1) }
      untagged.push(l)
    }
  }

  nextTag(): string {
    return `t${++this.counter}`
  }

  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data')
    const secure = tls.connect({
      socket: this.socket,
      servername: 'mail.example.test',
      rejectUnauthorized: false,
    })
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve())
      secure.once('error', reject)
    })
    this.buffer = Buffer.alloc(0)
    this.socket = secure
    this.attach(secure)
  }

  close(): void {
    this.socket.destroy()
  }
}

export function quote(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}
