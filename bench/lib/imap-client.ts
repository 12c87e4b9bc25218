// A small raw IMAP client for the benchmarks: one command at a time, responses parsed as they
// stream in (literals skipped by count, nothing buffered beyond the current line), so a 10 MB FETCH
// costs the client little. Plain TCP on loopback only.
import net from 'node:net'

/** What one command got back: its tagged status and a summary of the untagged responses. */
export interface Reply {
  status: string
  /** Untagged `* n FETCH` responses. */
  fetches: number
  /** Numbers of `* SEARCH` responses. */
  search: number[]
  /** Octets inside literals. */
  literalBytes: number
  /** Untagged lines other than FETCH, first segment only (without literals). */
  lines: string[]
}

/** One connection; `command` sends one command at a time and resolves with its Reply. */
export class Imap {
  private partial: Buffer[] = []
  private literalLeft = 0
  private continuing = false
  private tag = ''
  private counter = 0
  private reply: Reply = emptyReply()
  private done: ((r: Reply) => void) | undefined
  private fail: ((e: Error) => void) | undefined
  private onContinuation: (() => void) | undefined
  private greeted: (() => void) | undefined
  closed = false
  /** Called for untagged lines that arrive while no command runs (IDLE updates). */
  onUntagged: ((line: string) => void) | undefined

  private constructor(private socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.data(d))
    socket.on('close', () => {
      this.closed = true
      this.fail?.(new Error(`connection closed during ${this.tag || 'greeting'}`))
    })
    socket.on('error', () => {})
  }

  static async connect(port: number): Promise<Imap> {
    const socket = await new Promise<net.Socket>((ok, ko) => {
      const s = net.connect(port, '127.0.0.1', () => ok(s))
      s.once('error', ko)
    })
    const c = new Imap(socket)
    await new Promise<void>((ok) => {
      c.greeted = ok
    })
    return c
  }

  /** Connects and logs in with LOGIN. */
  static async login(port: number, user: string, password: string): Promise<Imap> {
    const c = await Imap.connect(port)
    const r = await c.command(`LOGIN "${user}" "${password}"`)
    if (!r.status.startsWith('OK')) throw new Error(`login: ${r.status}`)
    return c
  }

  private data(chunk: Buffer) {
    let i = 0
    while (i < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - i)
        this.literalLeft -= take
        this.reply.literalBytes += take
        i += take
        continue
      }
      const nl = chunk.indexOf(0x0a, i)
      if (nl < 0) {
        this.partial.push(chunk.subarray(i))
        break
      }
      const piece = chunk.subarray(i, nl + 1)
      const line = this.partial.length ? Buffer.concat([...this.partial, piece]) : piece
      this.partial = []
      i = nl + 1
      this.line(line)
    }
  }

  private line(bytes: Buffer) {
    const first = !this.continuing
    // A line ending with {n} goes on after n octets of literal.
    const end = bytes.length - 2
    let literal = -1
    if (bytes[end - 1] === 0x7d) {
      const open = bytes.lastIndexOf(0x7b, end - 1)
      if (open >= 0) literal = Number(bytes.toString('latin1', open + 1, end - 1).replace('+', ''))
    }
    this.continuing = literal >= 0
    if (literal > 0) this.literalLeft = literal
    if (!first) return
    const head = bytes.toString('latin1', 0, Math.min(bytes.length, 64))
    if (this.greeted) {
      const g = this.greeted
      this.greeted = undefined
      g()
      return
    }
    if (head.startsWith('+')) {
      this.onContinuation?.()
      return
    }
    if (this.tag && head.startsWith(`${this.tag} `)) {
      const r = this.reply
      r.status = bytes.toString('latin1', this.tag.length + 1, bytes.length - 2)
      this.reply = emptyReply()
      const done = this.done
      this.done = undefined
      this.fail = undefined
      this.tag = ''
      done?.(r)
      return
    }
    if (/^\* \d+ FETCH /.test(head)) this.reply.fetches++
    else if (head.startsWith('* SEARCH')) {
      for (const n of bytes.toString('latin1', 8).trim().split(' ')) if (n) this.reply.search.push(Number(n))
    } else {
      const text = bytes.toString('latin1', 0, bytes.length - 2)
      if (this.tag) this.reply.lines.push(text)
      this.onUntagged?.(text)
    }
  }

  command(text: string): Promise<Reply> {
    if (this.tag) throw new Error('one command at a time')
    this.tag = `b${++this.counter}`
    const p = new Promise<Reply>((ok, ko) => {
      this.done = ok
      this.fail = ko
    })
    this.socket.write(`${this.tag} ${text}\r\n`)
    return p
  }

  /** Starts IDLE and resolves once the server's continuation came (not when IDLE ends). */
  async idle(): Promise<void> {
    const started = new Promise<void>((ok) => {
      this.onContinuation = ok
    })
    this.command('IDLE').catch(() => undefined)
    await started
  }

  close(): void {
    this.socket.destroy()
  }
}

export function emptyReply(): Reply {
  return { status: '', fetches: 0, search: [], literalBytes: 0, lines: [] }
}

/** The reply, or an error naming `what` if its status is not OK. */
export function expectOk(what: string, r: Reply): Reply {
  if (!r.status.startsWith('OK')) throw new Error(`${what}: ${r.status}`)
  return r
}
