// Bootstrap configuration: defaults, then the TOML file, then POSTERN_<SECTION>_<KEY>
// environment overrides. A bad file or value stops start-up with one line that names the
// key, the bad value and what is allowed.

import { existsSync, readFileSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { parse as parseToml } from 'smol-toml'
import {
  type HostPort,
  parseDuration,
  parseDurationList,
  parseEnum,
  parseHostname,
  parseHostPortList,
  parseInteger,
  parseListen,
  parseOptionalHostPort,
  parseSize,
  parseString,
  ValueError,
} from './values.ts'

export const serviceNames = [
  'smtp',
  'submission',
  'submissions',
  'imap',
  'imaps',
  'pop3',
  'pop3s',
  'managesieve',
  'lmtp',
  'https',
  'http',
] as const
export type ServiceName = (typeof serviceNames)[number]

export interface Config {
  hostname: string
  data_dir: string
  listen: Record<ServiceName, HostPort | null>
  dns: { servers: HostPort[] }
  delivery: {
    /** Smarthost: every outbound message goes there instead of to the recipients' MX. */
    relay: HostPort | null
    relay_username: string
    relay_password: string
    /** How the relay is reached: STARTTLS required, implicit TLS (465), or plain (a local relay). */
    relay_tls: 'starttls' | 'implicit' | 'none'
    /** The port remote MX hosts are reached on; 25 except in tests. */
    mx_port: number
    /** Waits between attempts after temporary failures; the last one repeats until expiry. */
    retry_intervals: number[]
    /** How long a message is retried before it bounces. */
    expire_after: number
    /** When the sender is told the message is delayed (once); 0 turns the notice off. */
    delay_notice_after: number
    /** Outbound SMTP connections at once, in all. */
    max_connections: number
    /** Outbound SMTP connections at once to one destination domain. */
    max_connections_per_domain: number
    /** rfc8461 MTA-STS: fetch and enforce receiving domains' policies. */
    mta_sts: boolean
    /** Seconds to wait for a connection, the greeting, and each reply. */
    timeout_seconds: number
  }
  auth: {
    /** Failures from one IP before each further attempt is delayed. */
    throttle_after: number
    /** First delay; doubles with each further failure up to `throttle_max_delay_ms`. */
    throttle_delay_ms: number
    throttle_max_delay_ms: number
    /** Failures from one IP (within `window_seconds`) that ban it for `ban_seconds`. */
    ban_after: number
    ban_seconds: number
    window_seconds: number
  }
  limits: {
    max_connections: number
    max_connections_per_ip: number
    idle_timeout_seconds: number
    max_line_length: number
    http_body_limit: number
    shutdown_grace_seconds: number
  }
  smtp: {
    /** Largest message accepted (advertised as SIZE). */
    max_message_size: number
    max_recipients: number
    /** Messages one client IP may send to the MX per minute. */
    messages_per_minute_per_ip: number
    /** What to do with a message that fails DMARC where the domain asks for p=reject. */
    dmarc_policy: 'reject' | 'quarantine' | 'accept'
  }
  pop3: {
    /** USER/PASS and AUTH on a connection without TLS (rfc2595#section-2.2: refused by default). */
    allow_plaintext_login: boolean
    /** What QUIT does with messages a client deleted: delete them, or keep them in Archive or Trash. */
    on_delete: 'delete' | 'archive' | 'trash'
    /** Mark messages retrieved with RETR as \Seen when the session ends with QUIT. */
    mark_seen: boolean
    /** Minimum seconds between two logins to one account (rfc2449#section-6.8 LOGIN-DELAY); 0 = none. */
    login_delay_seconds: number
  }
  imap: {
    /** LOGIN and AUTHENTICATE on a connection without TLS (rfc9051#section-11.1: refused by default, LOGINDISABLED). */
    allow_plaintext_login: boolean
  }
  tls: {
    /** How often the running server looks for certificates changed by `postern cert set`. */
    check_seconds: number
    /**
     * The MTA-STS policy served at https://mta-sts.<domain>/.well-known/mta-sts.txt (rfc8461):
     * "enforce" once the certificate is valid for the MX host name, "testing" until then.
     */
    mta_sts_mode: 'enforce' | 'testing' | 'none'
  }
  log: { level: 'debug' | 'info' | 'warn' | 'error' }
}

type Parser = (value: unknown) => unknown
interface KeySpec {
  parse: Parser
  default: () => unknown
}

const listenDefaults: Record<ServiceName, string> = {
  smtp: '0.0.0.0:25',
  submission: '0.0.0.0:587',
  submissions: '0.0.0.0:465',
  imap: '0.0.0.0:143',
  imaps: '0.0.0.0:993',
  pop3: '0.0.0.0:110',
  pop3s: '0.0.0.0:995',
  managesieve: '0.0.0.0:4190',
  lmtp: '',
  https: '0.0.0.0:443',
  http: '0.0.0.0:8080',
}

const constant = (v: unknown) => () => v

/** Every key the file may hold, by section ('' = top level). Unknown keys are errors: a typo must not pass silently. */
const schema: Record<string, Record<string, KeySpec>> = {
  '': {
    hostname: { parse: parseHostname, default: () => safeHostname() },
    data_dir: { parse: parseNonEmpty, default: constant('./data') },
  },
  listen: Object.fromEntries(
    serviceNames.map((s) => [s, { parse: parseListen, default: () => parseListen(listenDefaults[s]) }]),
  ),
  dns: { servers: { parse: parseHostPortList, default: constant([]) } },
  delivery: {
    relay: { parse: parseOptionalHostPort, default: constant(null) },
    relay_username: { parse: parseString, default: constant('') },
    relay_password: { parse: parseString, default: constant('') },
    relay_tls: { parse: parseEnum(['starttls', 'implicit', 'none'] as const), default: constant('starttls') },
    mx_port: { parse: parseInteger(1, 65535), default: constant(25) },
    retry_intervals: {
      parse: parseDurationList,
      default: () => parseDurationList('5m,15m,30m,1h,2h,4h,8h'),
    },
    expire_after: { parse: parseDuration, default: constant(5 * 86_400_000) },
    delay_notice_after: { parse: parseDuration, default: constant(4 * 3_600_000) },
    max_connections: { parse: parseInteger(1, 10_000), default: constant(50) },
    max_connections_per_domain: { parse: parseInteger(1, 1000), default: constant(5) },
    mta_sts: { parse: parseBoolean, default: constant(true) },
    timeout_seconds: { parse: parseInteger(1, 3600), default: constant(120) },
  },
  auth: {
    throttle_after: { parse: parseInteger(0, 1000), default: constant(3) },
    throttle_delay_ms: { parse: parseInteger(0, 60_000), default: constant(500) },
    throttle_max_delay_ms: { parse: parseInteger(0, 600_000), default: constant(8000) },
    ban_after: { parse: parseInteger(1, 100_000), default: constant(10) },
    ban_seconds: { parse: parseInteger(0, 86_400 * 30), default: constant(900) },
    window_seconds: { parse: parseInteger(1, 86_400 * 30), default: constant(900) },
  },
  limits: {
    max_connections: { parse: parseInteger(1, 1_000_000), default: constant(2000) },
    max_connections_per_ip: { parse: parseInteger(1, 100_000), default: constant(50) },
    idle_timeout_seconds: { parse: parseInteger(1, 86_400), default: constant(1800) },
    max_line_length: { parse: parseInteger(512, 10 * 1024 * 1024), default: constant(64 * 1024) },
    http_body_limit: { parse: parseSize, default: constant(1024 * 1024) },
    shutdown_grace_seconds: { parse: parseInteger(0, 3600), default: constant(10) },
  },
  smtp: {
    max_message_size: { parse: parseSize, default: constant(50 * 1024 * 1024) },
    max_recipients: { parse: parseInteger(1, 100_000), default: constant(100) },
    messages_per_minute_per_ip: { parse: parseInteger(1, 1_000_000), default: constant(120) },
    dmarc_policy: {
      parse: parseEnum(['reject', 'quarantine', 'accept'] as const),
      default: constant('reject'),
    },
  },
  pop3: {
    allow_plaintext_login: { parse: parseBoolean, default: constant(false) },
    on_delete: { parse: parseEnum(['delete', 'archive', 'trash'] as const), default: constant('delete') },
    mark_seen: { parse: parseBoolean, default: constant(true) },
    login_delay_seconds: { parse: parseInteger(0, 86_400), default: constant(0) },
  },
  imap: { allow_plaintext_login: { parse: parseBoolean, default: constant(false) } },
  tls: {
    check_seconds: { parse: parseInteger(1, 86_400), default: constant(30) },
    mta_sts_mode: { parse: parseEnum(['enforce', 'testing', 'none'] as const), default: constant('testing') },
  },
  log: {
    level: { parse: parseEnum(['debug', 'info', 'warn', 'error'] as const), default: constant('info') },
  },
}

export class ConfigError extends Error {}

function parseNonEmpty(value: unknown): string {
  const s = parseString(value)
  if (s.trim() === '') throw new ValueError('a non-empty path')
  return s
}

/** true/false in TOML; "true"/"false" (or yes/no, 1/0) in an environment variable. */
function parseBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
  if (['true', 'yes', '1'].includes(text)) return true
  if (['false', 'no', '0'].includes(text)) return false
  throw new ValueError('true or false')
}

function safeHostname(): string {
  try {
    return parseHostname(osHostname())
  } catch {
    return 'localhost'
  }
}

export interface LoadOptions {
  /** Path from `--config`; otherwise POSTERN_CONFIG, otherwise ./postern.toml if present. */
  file?: string
  env?: Record<string, string | undefined>
  cwd?: string
}

/** Loads and validates the bootstrap config. Throws ConfigError with a one-line message. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env
  const explicit = options.file ?? env.POSTERN_CONFIG
  const cwd = options.cwd ?? process.cwd()
  const file = explicit ?? (existsSync(`${cwd}/postern.toml`) ? `${cwd}/postern.toml` : undefined)
  let raw: Record<string, unknown> = {}
  if (file !== undefined) {
    const path = file.startsWith('/') ? file : `${cwd}/${file}`
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new ConfigError(
        `config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      )
    }
    raw = parseTomlText(text, file)
  }
  return buildConfig(raw, env, file ?? 'built-in defaults')
}

/** Parses TOML text; a syntax error becomes one ConfigError line with the position. */
export function parseTomlText(text: string, source: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0]
    throw new ConfigError(`config: ${source} is not valid TOML: ${first}`)
  }
}

/** Applies defaults, the parsed file and environment overrides to produce a validated Config. */
export function buildConfig(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  source: string,
): Config {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    const isSection = key in schema && key !== ''
    if (!isSection && !(key in (schema[''] ?? {}))) {
      throw new ConfigError(`config: unknown key "${key}" in ${source}; known: ${knownKeys().join(', ')}`)
    }
    if (isSection && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ConfigError(`config: "${key}" in ${source} must be a [${key}] section`)
    }
  }
  for (const [section, keys] of Object.entries(schema)) {
    const fileSection = (section === '' ? raw : (raw[section] ?? {})) as Record<string, unknown>
    if (section !== '') {
      for (const key of Object.keys(fileSection)) {
        if (!(key in keys)) {
          throw new ConfigError(
            `config: unknown key "${section}.${key}" in ${source}; known in [${section}]: ${Object.keys(keys).join(', ')}`,
          )
        }
      }
    }
    const target: Record<string, unknown> = section === '' ? out : {}
    for (const [key, spec] of Object.entries(keys)) {
      const name = section === '' ? key : `${section}.${key}`
      const envName = `POSTERN_${section === '' ? '' : `${section.toUpperCase()}_`}${key.toUpperCase()}`
      let value: unknown
      let from: string
      if (env[envName] !== undefined) {
        value = env[envName]
        from = `environment variable ${envName}`
      } else if (key in fileSection) {
        value = fileSection[key]
        from = source
      } else {
        target[key] = spec.default()
        continue
      }
      try {
        target[key] = spec.parse(value)
      } catch (err) {
        if (!(err instanceof ValueError)) throw err
        throw new ConfigError(
          `config: ${name} = ${JSON.stringify(value)} (from ${from}) is not valid; expected ${err.message}`,
        )
      }
    }
    if (section !== '') out[section] = target
  }
  return out as unknown as Config
}

function knownKeys(): string[] {
  return [
    ...Object.keys(schema[''] ?? {}),
    ...Object.keys(schema)
      .filter((s) => s !== '')
      .map((s) => `[${s}]`),
  ]
}
