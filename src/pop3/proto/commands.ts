// POP3 command lines (rfc1939#section-3): a case-insensitive keyword of three or four letters,
// then arguments separated by spaces. Each command's allowed states and argument syntax are
// declared once here; the session runs them. Extensions: CAPA and the 255-octet command limit
// (rfc2449), STLS (rfc2595#section-4), AUTH (rfc5034), UTF8 (rfc6856#section-2).
import type { ResponseCode } from './responses.ts'

export type Pop3State = 'authorization' | 'transaction'

/** A client mistake answered with `-ERR [code] text`; the session goes on (and counts it). */
export class Pop3CommandError extends Error {
  constructor(
    message: string,
    readonly code?: ResponseCode,
  ) {
    super(message)
    this.name = 'Pop3CommandError'
  }
}

export type Pop3Command =
  | { verb: 'USER'; name: string }
  | { verb: 'PASS'; password: string }
  | { verb: 'AUTH'; mechanism?: string; initialResponse?: string }
  | { verb: 'STLS' | 'CAPA' | 'UTF8' | 'QUIT' | 'STAT' | 'NOOP' | 'RSET' }
  | { verb: 'LIST' | 'UIDL'; message?: number }
  | { verb: 'RETR' | 'DELE'; message: number }
  | { verb: 'TOP'; message: number; lines: number }

export type Pop3Verb = Pop3Command['verb']

interface CommandSpec {
  states: readonly Pop3State[]
  /** Builds the command from the text after the keyword ('' when there is none). */
  parse(rest: string): Pop3Command
}

const authorization = ['authorization'] as const
const transaction = ['transaction'] as const
const both = ['authorization', 'transaction'] as const

function words(rest: string): string[] {
  return rest === '' ? [] : rest.split(/ +/).filter((w) => w !== '')
}

function noArguments<V extends 'STLS' | 'CAPA' | 'UTF8' | 'QUIT' | 'STAT' | 'NOOP' | 'RSET'>(verb: V) {
  return (rest: string): Pop3Command => {
    if (words(rest).length > 0) throw new Pop3CommandError(`${verb} takes no arguments`)
    return { verb }
  }
}

/** rfc1939#section-5: a message number is a decimal from 1 up; the session checks the range. */
export function parseMessageNumber(text: string | undefined): number {
  if (text === undefined || !/^\d{1,10}$/.test(text)) throw new Pop3CommandError('invalid message number')
  const n = Number(text)
  if (n < 1) throw new Pop3CommandError('invalid message number')
  return n
}

function optionalMessage(verb: 'LIST' | 'UIDL') {
  return (rest: string): Pop3Command => {
    const args = words(rest)
    if (args.length > 1) throw new Pop3CommandError(`${verb} takes at most one message number`)
    return { verb, message: args.length === 0 ? undefined : parseMessageNumber(args[0]) }
  }
}

function oneMessage(verb: 'RETR' | 'DELE') {
  return (rest: string): Pop3Command => {
    const args = words(rest)
    if (args.length !== 1) throw new Pop3CommandError(`${verb} needs one message number`)
    return { verb, message: parseMessageNumber(args[0]) }
  }
}

export const commandSpecs: Record<Pop3Verb, CommandSpec> = {
  // rfc1939#section-7 USER name: the rest of the line (rfc6856#section-2 allows UTF-8).
  USER: {
    states: authorization,
    parse(rest) {
      const name = rest.trim()
      if (name === '') throw new Pop3CommandError('USER needs a user name')
      return { verb: 'USER', name }
    },
  },
  // rfc1939#section-7 PASS: the argument is the rest of the line, spaces included.
  PASS: {
    states: authorization,
    parse(rest) {
      if (rest === '') throw new Pop3CommandError('PASS needs a password')
      return { verb: 'PASS', password: rest }
    },
  },
  // rfc5034#section-4 AUTH mechanism [initial-response]; bare AUTH lists the mechanisms.
  AUTH: {
    states: authorization,
    parse(rest) {
      const args = words(rest)
      if (args.length > 2)
        throw new Pop3CommandError('AUTH takes a mechanism and an optional initial response')
      return { verb: 'AUTH', mechanism: args[0]?.toUpperCase(), initialResponse: args[1] }
    },
  },
  STLS: { states: authorization, parse: noArguments('STLS') },
  UTF8: { states: authorization, parse: noArguments('UTF8') },
  CAPA: { states: both, parse: noArguments('CAPA') },
  QUIT: { states: both, parse: noArguments('QUIT') },
  STAT: { states: transaction, parse: noArguments('STAT') },
  NOOP: { states: transaction, parse: noArguments('NOOP') },
  RSET: { states: transaction, parse: noArguments('RSET') },
  LIST: { states: transaction, parse: optionalMessage('LIST') },
  UIDL: { states: transaction, parse: optionalMessage('UIDL') },
  RETR: { states: transaction, parse: oneMessage('RETR') },
  DELE: { states: transaction, parse: oneMessage('DELE') },
  // rfc1939#section-7 TOP msg n: n is a non-negative number of body lines.
  TOP: {
    states: transaction,
    parse(rest) {
      const args = words(rest)
      if (args.length !== 2) throw new Pop3CommandError('TOP needs a message number and a number of lines')
      const lines = args[1] ?? ''
      if (!/^\d{1,10}$/.test(lines)) throw new Pop3CommandError('invalid number of lines')
      return { verb: 'TOP', message: parseMessageNumber(args[0]), lines: Number(lines) }
    },
  },
}

/**
 * Parses one command line for a session in `state`. Throws Pop3CommandError for an unknown
 * command, one not valid in this state, or bad arguments.
 */
export function parseCommand(line: string, state: Pop3State): Pop3Command {
  const space = line.indexOf(' ')
  const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase()
  const rest = space === -1 ? '' : line.slice(space + 1)
  const spec = Object.hasOwn(commandSpecs, keyword) ? commandSpecs[keyword as Pop3Verb] : undefined
  if (!spec) {
    if (keyword === '') throw new Pop3CommandError('empty command')
    throw new Pop3CommandError('unknown command')
  }
  if (!spec.states.includes(state)) {
    throw new Pop3CommandError(
      state === 'authorization'
        ? `${keyword} is not valid before login`
        : `${keyword} is not valid after login`,
    )
  }
  // PASS keeps its argument verbatim (a password may start or end with spaces).
  return spec.parse(keyword === 'PASS' ? rest : rest.trimEnd())
}
