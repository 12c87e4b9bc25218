// One IMAP session (rfc9051#section-3): the greeting, then commands one at a time, each read
// whole (with its literals), parsed, checked against the session state and answered by its
// handler; mailbox updates from other sessions, deliveries and JMAP go out between commands
// where the protocol allows them. Client mistakes get BAD and the session goes on; too many end it.
import type { AuthenticatedAccount } from '../../directory/accounts.ts'
import { isStoreError } from '../../lib/errors.ts'
import type { Connection } from '../../net/index.ts'
import {
  type Command,
  isCommandAllowed,
  ParseError,
  parseCommandParts,
  type ResponseCode,
  type SessionState,
  statusLine,
} from '../proto/index.ts'
import { capabilityList } from './capabilities.ts'
import { type ReadLimits, readCommand } from './command-reader.ts'
import { handlers } from './commands/index.ts'
import type { Enableable, ImapContext } from './context.ts'
import { answerFailure } from './errors.ts'
import type { SelectedMailbox } from './selected.ts'
import type { ImapDeps, ImapShared } from './types.ts'

/** Client mistakes in a row (BAD answers) before the session ends. */
export const maxBadCommands = 20
/** Largest literal of a command other than APPEND (a LOGIN password, a SEARCH string). */
const otherLiteralMax = 64 * 1024
/** Commands per second a session may run on average; faster clients are slowed, not refused. */
const commandRate = 500

/** Commands during which sequence numbers must not shift: no EXPUNGE (rfc9051#section-7.5.1). */
function expungeAllowedAfter(command: Command): boolean {
  switch (command.name) {
    case 'FETCH':
    case 'STORE':
    case 'SEARCH':
    case 'SORT':
    case 'THREAD':
    case 'COPY':
    case 'MOVE':
      return command.uid
    default:
      return true
  }
}

export async function runSession(conn: Connection, deps: ImapDeps, shared: ImapShared): Promise<void> {
  await new ImapSession(conn, deps, shared).run()
}

class ImapSession implements ImapContext {
  state: SessionState = 'notAuthenticated'
  account: AuthenticatedAccount | undefined
  selected: SelectedMailbox | undefined
  readonly enabled = new Set<Enableable>()
  authFailures = 0
  savedResult: number[] | undefined
  private unsubscribe: (() => void) | undefined
  private changeWaiters: (() => void)[] = []
  private busy = false
  private closing = false
  /** The command being answered, until its completion is written. */
  private current: Command | undefined
  private readonly limits: ReadLimits

  constructor(
    readonly conn: Connection,
    readonly deps: ImapDeps,
    readonly shared: ImapShared,
  ) {
    const appendLimit = deps.config.smtp.max_message_size
    this.limits = {
      policy: { literalPlus: true, literalMinus: true, binary: true },
      appendLiteralMax: appendLimit,
      otherLiteralMax,
      commandMax: appendLimit * 4 + otherLiteralMax,
      maxLiterals: 1000,
    }
  }

  get utf8Names(): boolean {
    return this.enabled.has('UTF8=ACCEPT') || this.enabled.has('IMAP4REV2')
  }

  private get loginAllowed(): boolean {
    return this.conn.isTls || this.deps.config.imap.allow_plaintext_login
  }

  capabilities(): string[] {
    return capabilityList(handlers, {
      authenticated: this.state === 'authenticated' || this.state === 'selected',
      isTls: this.conn.isTls,
      canStartTls: this.conn.canStartTls,
      loginAllowed: this.loginAllowed,
      appendLimit: this.deps.config.smtp.max_message_size,
    })
  }

  untagged(text: string | Uint8Array): void {
    if (typeof text === 'string') this.conn.write(`* ${text}\r\n`)
    else {
      this.conn.write('* ')
      this.conn.write(text)
      this.conn.write('\r\n')
    }
  }

  complete(tag: string, status: 'OK' | 'NO' | 'BAD', text: string, code?: ResponseCode): void {
    // Updates that arrived meanwhile go out before the command's own completion (rfc9051#section-5.2).
    const current = this.current
    if (current && current.tag === tag && this.selected) {
      this.current = undefined
      this.sendUpdates(expungeAllowedAfter(current))
    }
    this.conn.write(statusLine(tag, status, text, code))
  }

  async login(account: AuthenticatedAccount): Promise<void> {
    await this.deps.store.ensureAccount(account.id)
    this.account = account
    this.state = 'authenticated'
    this.unsubscribe = this.deps.events.subscribe(account.id, (change) => {
      const selected = this.selected
      if (selected && change.mailboxIds.includes(selected.mailboxId)) {
        selected.announce(change.modseq)
        if (this.changeWaiters.length > 0) for (const wake of this.changeWaiters.splice(0)) wake()
      }
    })
  }

  logout(): void {
    this.select(null)
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.account = undefined
    this.enabled.clear()
    this.state = 'notAuthenticated'
  }

  select(mailbox: SelectedMailbox | null): void {
    this.selected = mailbox ?? undefined
    // rfc5182#section-2.1: SELECT, EXAMINE, CLOSE and UNSELECT empty the saved search result.
    this.savedResult = undefined
    this.state = mailbox ? 'selected' : this.account ? 'authenticated' : 'notAuthenticated'
  }

  sendUpdates(allowExpunge: boolean): void {
    const selected = this.selected
    if (!selected) return
    let lines: string[]
    try {
      lines = selected.sync({
        allowExpunge,
        vanished: this.enabled.has('QRESYNC'),
        withModseq: this.enabled.has('CONDSTORE') || this.enabled.has('QRESYNC'),
      })
    } catch (err) {
      if (!isStoreError(err, 'notFound')) throw err
      // Another session deleted the selected mailbox: nothing this one holds is valid any more
      // (rfc9051#section-6.3.5 leaves the reaction to the server); end the session cleanly.
      this.untagged('BYE [UNAVAILABLE] The selected mailbox was deleted')
      this.selected = undefined
      this.state = 'logout'
      return
    }
    for (const line of lines) this.untagged(line)
  }

  waitForChange(signal: Promise<unknown>): Promise<void> {
    if (this.selected?.dirty) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const wake = () => resolve()
      this.changeWaiters.push(wake)
      void signal.then(() => {
        this.changeWaiters = this.changeWaiters.filter((w) => w !== wake)
        resolve()
      })
    })
  }

  async run(): Promise<void> {
    const { conn, deps } = this
    conn.onIdleTimeout = () => conn.write('* BYE Autologout; idle for too long\r\n')
    conn.onShutdown = () => {
      this.closing = true
      for (const wake of this.changeWaiters.splice(0)) wake()
      if (!this.busy) {
        conn.write('* BYE Server shutting down\r\n')
        void conn.close()
      }
    }
    let bad = 0
    let tokens = commandRate
    let refilled = Date.now()
    try {
      conn.write(
        statusLine('*', 'OK', `${deps.config.hostname} Postern IMAP ready`, {
          code: 'CAPABILITY',
          capabilities: this.capabilities(),
        }),
      )
      while (this.state !== 'logout' && !this.closing) {
        const read = await readCommand(conn, this.limits)
        if (read.kind === 'closed') {
          if (read.goodbye) conn.write(read.goodbye)
          return
        }
        this.busy = true
        try {
          // A token bucket: bursts are free, a sustained flood is slowed down to `commandRate`.
          const now = Date.now()
          tokens = Math.min(commandRate, tokens + ((now - refilled) / 1000) * commandRate)
          refilled = now
          if (--tokens < 0) await Bun.sleep(Math.ceil((-tokens / commandRate) * 1000))
          if (read.kind === 'refused') {
            bad++
            const status = read.code === 'TOOBIG' ? 'NO' : 'BAD'
            this.complete(read.tag, status, read.message, read.code ? { code: read.code } : undefined)
          } else if (!(await this.execute(read.lines, read.literals))) bad++
          else bad = 0
          if (bad >= maxBadCommands) {
            conn.write('* BYE Too many invalid commands\r\n')
            return
          }
        } finally {
          this.busy = false
        }
        if (this.closing) {
          conn.write('* BYE Server shutting down\r\n')
          return
        }
      }
    } finally {
      this.unsubscribe?.()
      await conn.close()
    }
  }

  /** Runs one command; false when it was a client error (BAD). */
  private async execute(lines: Uint8Array[], literals: Uint8Array[]): Promise<boolean> {
    let command: Command
    try {
      command = parseCommandParts(lines, literals)
    } catch (err) {
      if (!(err instanceof ParseError)) throw err
      this.complete(
        err.tag ?? '*',
        'BAD',
        err.message,
        err.responseCode ? ({ code: err.responseCode } as ResponseCode) : undefined,
      )
      return false
    }
    const handler = handlers[command.name] as
      | ((ctx: ImapContext, c: Command) => Promise<void> | void)
      | undefined
    if (!handler) {
      this.complete(command.tag, 'BAD', `${command.name} is not supported by this server`)
      return false
    }
    if (!isCommandAllowed(command.name, this.state)) {
      this.complete(command.tag, 'BAD', `${command.name} is not valid in the ${this.state} state`)
      return false
    }
    this.current = command
    try {
      await handler(this, command)
    } catch (err) {
      answerFailure(this, command.tag, err)
    } finally {
      this.current = undefined
    }
    return true
  }
}
