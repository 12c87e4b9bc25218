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
      sink.write(formatLogLine(now(), level, component, msg, { ...bound, ...fields }))
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

/** One log line as the logger writes it: time, level, component, conn, message, key=value fields. */
export function formatLogLine(
  at: Date,
  level: LogLevel,
  component: string,
  msg: string,
  fields: LogFields,
): string {
  const parts = [at.toISOString(), level.toUpperCase().padEnd(5), `[${component}]`]
  if (fields.conn !== undefined) parts.push(`conn=${String(fields.conn)}`)
  parts.push(msg)
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'conn' || value === undefined) continue
    parts.push(`${key}=${formatValue(key, value)}`)
  }
  return parts.join(' ')
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

/** One line kept by a {@link LogRing}: already formatted (so redacted), with what filters need. */
export interface RecentLogLine {
  /** Increases by one per line, so a reader can ask for what came after the last one it saw. */
  seq: number
  at: string
  level: LogLevel
  component: string
  msg: string
  line: string
}

export interface RecentLogQuery {
  after?: number
  /** The lowest level to return. */
  level?: LogLevel
  component?: string
  limit?: number
}

/**
 * The last `capacity` log lines in memory, for the web admin's log page and dashboard. Bounded,
 * so it costs at most `capacity` short strings; a listener is told of each new line.
 */
export function createLogRing(capacity = 1000) {
  const lines: RecentLogLine[] = []
  const listeners = new Set<(line: RecentLogLine) => void>()
  let seq = 0
  return {
    push(level: LogLevel, component: string, msg: string, line: string, at: Date): void {
      const entry: RecentLogLine = { seq: ++seq, at: at.toISOString(), level, component, msg, line }
      lines.push(entry)
      if (lines.length > capacity) lines.splice(0, lines.length - capacity)
      for (const listener of listeners) listener(entry)
    },
    /** Lines matching the query, oldest first; with `limit`, the newest `limit` of them. */
    recent(query: RecentLogQuery = {}): RecentLogLine[] {
      const minRank = levelRank[query.level ?? 'debug']
      const out = lines.filter(
        (l) =>
          l.seq > (query.after ?? 0) &&
          levelRank[l.level] >= minRank &&
          (query.component === undefined || l.component === query.component),
      )
      return query.limit !== undefined && out.length > query.limit ? out.slice(-query.limit) : out
    },
    components(): string[] {
      return [...new Set(lines.map((l) => l.component))].sort()
    },
    lastSeq: () => seq,
    /** Calls `listener` for every new line until the returned function is called. */
    follow(listener: (line: RecentLogLine) => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export type LogRing = ReturnType<typeof createLogRing>

/**
 * A logger that writes through `inner` and also keeps each line of at least `level` in `ring`.
 * It wraps an existing logger, so whoever made the root logger (main, a test) keeps its sink.
 */
export function recordingLogger(inner: Logger, ring: LogRing, level: LogLevel = 'info'): Logger {
  const minRank = levelRank[level]
  const make = (target: Logger, component: string, bound: LogFields): Logger => {
    const emit = (lvl: LogLevel, msg: string, fields?: LogFields) => {
      target[lvl](msg, fields)
      if (levelRank[lvl] < minRank) return
      const at = new Date()
      ring.push(lvl, component, msg, formatLogLine(at, lvl, component, msg, { ...bound, ...fields }), at)
    }
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (sub, fields) => make(target.child(sub, fields), sub ?? component, { ...bound, ...fields }),
    }
  }
  return make(inner, 'postern', {})
}
