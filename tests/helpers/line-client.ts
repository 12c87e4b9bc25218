// A small CRLF line client over a real socket for protocol tests, with STARTTLS.
import net from 'node:net'
import tls from 'node:tls'

export class LineClient {
  private buffer = ''
  private waiters: (() => void)[] = []
  private ended = false

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.attach(socket)
  }

  static connect(port: number, options: { tls?: boolean; servername?: string } = {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({
            host: '127.0.0.1',
            port,
            servername: options.servername ?? 'mail.example.test',
            rejectUnauthorized: false,
          })
        : net.connect({ host: '127.0.0.1', port })
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve(new LineClient(socket)))
      socket.once('error', reject)
    })
  }

  private attach(socket: net.Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      this.buffer += d
      this.wake()
    })
    socket.on('end', () => {
      this.ended = true
      this.wake()
    })
    socket.on('close', () => {
      this.ended = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w()
  }

  get isTls(): boolean {
    return this.socket instanceof tls.TLSSocket
  }

  get peerCertificate(): tls.PeerCertificate | undefined {
    return this.socket instanceof tls.TLSSocket ? this.socket.getPeerCertificate() : undefined
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`)
  }

  /** The next line without CRLF, or null at end of stream; fails after `timeoutMs`. */
  async line(timeoutMs = 5000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.buffer.indexOf('\r\n')
      if (i >= 0) {
        const line = this.buffer.slice(0, i)
        this.buffer = this.buffer.slice(i + 2)
        return line
      }
      if (this.ended) return null
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for a line; have ${JSON.stringify(this.buffer)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Reads lines until one that does not continue (`250-` continues, `250 ` ends). */
  async reply(): Promise<string[]> {
    const lines: string[] = []
    for (;;) {
      const line = await this.line()
      if (line === null) return lines
      lines.push(line)
      if (!/^\d{3}-/.test(line)) return lines
    }
  }

  /** Sends a command and returns its (multi-line) reply. */
  async command(line: string): Promise<string[]> {
    this.send(line)
    return this.reply()
  }

  /** Upgrades this connection to TLS (after the server said go ahead). */
  startTls(servername = 'mail.example.test'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.removeAllListeners('data')
      const secure = tls.connect({ socket: this.socket, servername, rejectUnauthorized: false })
      secure.once('secureConnect', () => {
        this.socket = secure
        this.buffer = ''
        this.attach(secure)
        resolve()
      })
      secure.once('error', reject)
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

export const plainAuth = (user: string, password: string) =>
  Buffer.from(`\0${user}\0${password}`).toString('base64')
export const b64 = (s: string) => Buffer.from(s).toString('base64')
