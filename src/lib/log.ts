// Structured one-line logging: level, time, component, connection id, message, fields.
// Passwords and message bodies must never be passed in; `redact` guards the common keys anyway.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const redactedKeys = new Set(['password', 'pass', 'secret', 'token', 'authorization', 'body', 'data'])

export type LogFields = Record<string, unknown>

export interface LogSink {
  write(line: string): void
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger for a sub-component or a connection: its fields are added to every line. */
  child(component: string | undefined, fields?: LogFields): Logger
}

export interface LoggerOptions {
  level?: LogLevel
  sink?: LogSink
  now?: () => Date
}

const stderrSink: LogSink = { write: (line) => process.stderr.write(`${line}\n`) }

/** Creates the root logger. Each line: `2026-01-01T00:00:00.000Z INFO  [imap] conn=ab12 message key=value`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const minRank = levelRank[options.level ?? 'info']
  const sink = options.sink ?? stderrSink
  const now = options.now ?? (() => new Date())
  const make = (component: string, bound: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (levelRank[level] < minRank) return
      const all = { ...bound, ...fields }
      const parts = [now().toISOString(), level.toUpperCase().padEnd(5), `[${component}]`]
      if (all.conn !== undefined) parts.push(`conn=${String(all.conn)}`)
      parts.push(msg)
      for (const [key, value] of Object.entries(all)) {
        if (key === 'conn' || value === undefined) continue
        parts.push(`${key}=${formatValue(key, value)}`)
      }
      sink.write(parts.join(' '))
    }
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (sub, fields) => make(sub ?? component, { ...bound, ...fields }),
    }
  }
  return make('postern', {})
}

function formatValue(key: string, value: unknown): string {
  if (redactedKeys.has(key.toLowerCase())) return '[redacted]'
  if (value instanceof Error) return JSON.stringify(value.stack ?? value.message)
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text
}

/** A sink that keeps lines in memory, for tests. */
export function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = []
  return { lines, write: (line) => lines.push(line) }
}
