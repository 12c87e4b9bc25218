// SASL mechanisms as pure step machines, shared by SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH,
// ManageSieve AUTHENTICATE and HTTP Basic. The protocol carries base64 both ways; this module
// decodes the client's responses strictly and produces the credentials to verify.
// rfc4422 (SASL), rfc4616 (PLAIN), draft-murchison-sasl-login (LOGIN), rfc4954#section-4 ("=" and "*").

export type SaslMechanismName = 'PLAIN' | 'LOGIN'
export const passwordMechanisms: readonly SaslMechanismName[] = ['PLAIN', 'LOGIN']

export interface PasswordCredentials {
  kind: 'password'
  /** Authorization identity asked for ('' = same as authcid). */
  authzid: string
  authcid: string
  password: string
}

/** Seam for OAUTHBEARER/XOAUTH2: a mechanism may produce a bearer token instead of a password. */
export interface TokenCredentials {
  kind: 'token'
  authzid: string
  token: string
}

export type SaslCredentials = PasswordCredentials | TokenCredentials

export type SaslErrorKind = 'malformed' | 'cancelled' | 'unsupported'

export class SaslError extends Error {
  constructor(
    readonly kind: SaslErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'SaslError'
  }
}

export type SaslStep =
  | { type: 'challenge' /** raw challenge; the protocol base64-encodes it */; data: string }
  | { type: 'done'; credentials: SaslCredentials }

export interface SaslExchange {
  readonly mechanism: SaslMechanismName
  /** The first step: a challenge, or the result when an initial response completed it. */
  start(): SaslStep
  /** Feeds the client's base64 response to the last challenge. */
  next(response: string): SaslStep
}

const maxDecoded = 16 * 1024

/** Strict base64 (rfc4648#section-4): right alphabet, padding, length; `=` alone means empty. */
export function decodeSaslBase64(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '*') throw new SaslError('cancelled', 'authentication cancelled')
  if (trimmed === '=' || trimmed === '') return ''
  if (
    trimmed.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ||
    trimmed.length > (maxDecoded * 4) / 3 + 4
  ) {
    throw new SaslError('malformed', 'invalid base64')
  }
  const bytes = Buffer.from(trimmed, 'base64')
  const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  try {
    return decoded.decode(bytes)
  } catch {
    throw new SaslError('malformed', 'credentials are not valid UTF-8')
  }
}

export function encodeSaslBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64')
}

/** rfc4616#section-2: message = [authzid] NUL authcid NUL passwd */
export function parsePlain(message: string): PasswordCredentials {
  const parts = message.split('\0')
  if (parts.length !== 3)
    throw new SaslError('malformed', 'PLAIN response must be authzid NUL authcid NUL password')
  const [authzid = '', authcid = '', password = ''] = parts
  if (authcid === '' || password === '')
    throw new SaslError('malformed', 'PLAIN response has an empty user name or password')
  return { kind: 'password', authzid, authcid, password }
}

function plainExchange(initial: string | undefined): SaslExchange {
  return {
    mechanism: 'PLAIN',
    start: () =>
      initial === undefined
        ? { type: 'challenge', data: '' }
        : { type: 'done', credentials: parsePlain(decodeSaslBase64(initial)) },
    next: (response) => ({ type: 'done', credentials: parsePlain(decodeSaslBase64(response)) }),
  }
}

function loginExchange(initial: string | undefined): SaslExchange {
  let username: string | undefined = initial === undefined ? undefined : decodeSaslBase64(initial)
  return {
    mechanism: 'LOGIN',
    start: () => ({ type: 'challenge', data: username === undefined ? 'Username:' : 'Password:' }),
    next(response) {
      const value = decodeSaslBase64(response)
      if (username === undefined) {
        if (value === '') throw new SaslError('malformed', 'empty user name')
        username = value
        return { type: 'challenge', data: 'Password:' }
      }
      if (value === '') throw new SaslError('malformed', 'empty password')
      return {
        type: 'done',
        credentials: { kind: 'password', authzid: '', authcid: username, password: value },
      }
    },
  }
}

/**
 * Starts an exchange. `initialResponse` is the base64 text sent with the command (SASL-IR),
 * `=` for an empty one, or undefined when the client sent none.
 */
export function startSasl(mechanism: string, initialResponse?: string): SaslExchange {
  switch (mechanism.toUpperCase()) {
    case 'PLAIN':
      return plainExchange(initialResponse)
    case 'LOGIN':
      return loginExchange(initialResponse)
    default:
      throw new SaslError('unsupported', `mechanism ${mechanism} is not supported`)
  }
}
