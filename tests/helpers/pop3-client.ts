// A POP3 client for protocol tests: status lines, multi-line responses (un-stuffed), STLS.
import { LineClient } from './line-client.ts'

export class Pop3Client {
  private constructor(readonly lines: LineClient) {}

  /** Connects and returns the client with the greeting line. */
  static async connect(
    port: number,
    options: { tls?: boolean } = {},
  ): Promise<{ client: Pop3Client; greeting: string }> {
    const lines = await LineClient.connect(port, options)
    const greeting = (await lines.line()) ?? ''
    return { client: new Pop3Client(lines), greeting }
  }

  send(line: string): void {
    this.lines.send(line)
  }

  /** The next status line ('' at end of stream). */
  async status(): Promise<string> {
    return (await this.lines.line()) ?? ''
  }

  /** Sends a command and returns its status line. */
  async command(line: string): Promise<string> {
    this.send(line)
    return this.status()
  }

  /** Reads the body of a multi-line response up to the "." line, with byte-stuffing undone. */
  async body(): Promise<string[]> {
    const out: string[] = []
    for (;;) {
      const line = await this.lines.line()
      if (line === null)
        throw new Error(`connection closed inside a multi-line response: ${JSON.stringify(out)}`)
      if (line === '.') return out
      out.push(line.startsWith('.') ? line.slice(1) : line)
    }
  }

  /** Reads the raw lines of a multi-line response up to and including the "." line, stuffing kept. */
  async rawBody(): Promise<string[]> {
    const out: string[] = []
    for (;;) {
      const line = await this.lines.line()
      if (line === null) throw new Error('connection closed inside a multi-line response')
      out.push(line)
      if (line === '.') return out
    }
  }

  /** Sends a command answered with a multi-line response on +OK: [status, ...lines]. */
  async multi(line: string): Promise<[string, ...string[]]> {
    const status = await this.command(line)
    return status.startsWith('+OK') ? [status, ...(await this.body())] : [status]
  }

  /** True when the server has closed the connection (reads end). */
  async closed(): Promise<boolean> {
    return (await this.lines.line()) === null
  }

  startTls(): Promise<void> {
    return this.lines.startTls()
  }

  close(): void {
    this.lines.close()
  }
}
