// mbox reading and writing for import/export. Reading accepts mboxo and mboxrd (">From "
// quoting, one level removed), the "From " separator line's date as the received time, and the
// Status/X-Status/X-Keywords headers mutt and Dovecot keep flags in (taken as flags and removed
// from the stored message, as Dovecot does). Writing produces mboxrd (rfc4155 with >From quoting).
import { createReadStream, type WriteStream } from 'node:fs'

export interface SourceMessage {
  /** The raw message as in the file (line ends as found; the store converts to CRLF). */
  raw: Uint8Array
  /** IMAP-style flags / JMAP keywords found in the source. */
  keywords: string[]
  receivedAt: number | undefined
  /** Where the message starts in the source (a byte offset in an mbox, a path in a Maildir). */
  position: number
  /** Position just after this message: where a resumed import continues. */
  nextPosition: number
}

const separatorStart = Buffer.from('\nFrom ')

/**
 * Reads messages from an mbox file starting at byte `offset` (which must be the start of a
 * "From " line, or 0). Streams: one message (plus one read chunk) in memory at a time. A
 * "From " line is a separator only at the start of the file or after a blank line (mboxo
 * bodies may hold unquoted "From " lines elsewhere).
 */
export async function* readMbox(
  path: string,
  offset = 0,
  maxMessageBytes = 64 * 1024 * 1024,
): AsyncGenerator<SourceMessage | { tooLarge: true; position: number; nextPosition: number }> {
  let pending: Buffer = Buffer.alloc(0)
  let base = offset // file offset of pending[0]
  let current: { start: number; separatorEnd: number } | undefined // offsets relative to pending
  let overflow: { start: number } | undefined
  const stream = createReadStream(path, { start: offset, highWaterMark: 1024 * 1024 })
  const emit = (end: number, fileEnd: number) => {
    if (!current) return undefined
    const separator = pending.subarray(current.start, current.separatorEnd).toString('latin1').trimEnd()
    return toMessage(separator, pending.subarray(current.separatorEnd, end), base + current.start, fileEnd)
  }
  let searchFrom = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    if (!current && !overflow) {
      // A resumed import may start on the blank line before a separator.
      let skip = 0
      while (skip < pending.length && (pending[skip] === 10 || pending[skip] === 13)) skip++
      if (skip > 0) {
        pending = pending.subarray(skip)
        base += skip
      }
      if (pending.length < 5) continue
      if (pending.subarray(0, 5).toString('latin1') !== 'From ')
        throw new Error(`${path} is not an mbox file (it must start with a "From " line)`)
      const eol = pending.indexOf(10)
      if (eol < 0) continue
      current = { start: 0, separatorEnd: eol + 1 }
      searchFrom = eol
    }
    for (;;) {
      const at = pending.indexOf(separatorStart, searchFrom)
      if (at < 0) {
        searchFrom = Math.max(searchFrom, pending.length - separatorStart.length)
        break
      }
      searchFrom = at + 1
      const blankBefore = pending[at - 1] === 10 || (pending[at - 1] === 13 && pending[at - 2] === 10)
      if (!blankBefore) continue
      const eol = pending.indexOf(10, at + 1)
      if (eol < 0) {
        searchFrom = at
        break
      }
      const next = at + 1
      if (overflow) {
        yield { tooLarge: true, position: overflow.start, nextPosition: base + next }
        overflow = undefined
      } else {
        const done = emit(next, base + next)
        if (done) yield done
      }
      // Drop what is done so memory stays at one message.
      pending = pending.subarray(next)
      base += next
      searchFrom -= next
      current = { start: 0, separatorEnd: eol + 1 - next }
    }
    if (current && pending.length - current.start > maxMessageBytes) {
      overflow = { start: base + current.start }
      current = undefined
      const keep = Math.max(0, pending.length - separatorStart.length)
      pending = pending.subarray(keep)
      base += keep
      searchFrom = 0
    }
  }
  if (overflow) yield { tooLarge: true, position: overflow.start, nextPosition: base + pending.length }
  else {
    const last = emit(pending.length, base + pending.length)
    if (last) yield last
  }
}

function toMessage(separator: string, body: Buffer, start: number, end: number): SourceMessage {
  // The one blank line before the next "From " belongs to the mbox, not the message (rfc4155).
  let stop = body.length
  if (body[stop - 1] === 10) {
    const lineEnd = body[stop - 2] === 13 ? 2 : 1
    if (body[stop - lineEnd - 1] === 10) stop -= lineEnd
  }
  let bytes = body.subarray(0, stop)
  const headerEnd = findHeaderEnd(bytes)
  const header = bytes.subarray(0, headerEnd).toString('latin1')
  const keywords: string[] = []
  let cleanHeader: string | undefined
  if (/^(status|x-status|x-keywords):/im.test(header)) {
    const kept: string[] = []
    for (const line of header.split(/\r?\n/)) {
      const flags = flagHeader(line)
      if (flags) keywords.push(...flags)
      else kept.push(line)
    }
    cleanHeader = kept.join('\n')
  }
  let rest = bytes.subarray(headerEnd)
  if (rest.indexOf('\n>') >= 0 && /\n>+From /.test(rest.toString('latin1'))) {
    rest = Buffer.from(rest.toString('latin1').replace(/\n>(>*From )/g, '\n$1'), 'latin1') // mboxrd: one level less
  }
  if (cleanHeader !== undefined || rest !== bytes.subarray(headerEnd)) {
    bytes = Buffer.concat([
      cleanHeader === undefined ? bytes.subarray(0, headerEnd) : Buffer.from(cleanHeader, 'latin1'),
      rest,
    ])
  }
  return {
    raw: bytes,
    keywords: [...new Set(keywords)],
    receivedAt: separatorDate(separator),
    position: start,
    nextPosition: end,
  }
}

/** Offset of the blank line that ends the header (the header keeps its last line end), or the length. */
function findHeaderEnd(bytes: Buffer): number {
  const lf = bytes.indexOf('\n\n')
  const crlfs = bytes.indexOf('\r\n\r\n')
  if (lf < 0 && crlfs < 0) return bytes.length
  if (crlfs >= 0 && (lf < 0 || crlfs < lf)) return crlfs + 2
  return lf + 1
}

/** Flags from mutt/Dovecot mbox headers; undefined for other header lines. */
function flagHeader(line: string): string[] | undefined {
  const m = /^(Status|X-Status|X-Keywords):\s*(.*)$/i.exec(line)
  if (!m) return undefined
  const name = (m[1] ?? '').toLowerCase()
  const value = m[2] ?? ''
  if (name === 'x-keywords') return value.split(/[\s,]+/).filter((k) => k !== '')
  const flags: string[] = []
  for (const c of value) {
    if (c === 'R' && name === 'status') flags.push('\\Seen')
    if (name === 'x-status') {
      if (c === 'A') flags.push('\\Answered')
      if (c === 'F') flags.push('\\Flagged')
      if (c === 'D') flags.push('\\Deleted')
      if (c === 'T') flags.push('\\Draft')
    }
  }
  return flags
}

/** The asctime date of a "From sender date" line, in ms; undefined when absent or unreadable. */
export function separatorDate(separator: string): number | undefined {
  const m = /^From \S+\s+(.+)$/.exec(separator)
  if (!m?.[1]) return undefined
  const t = Date.parse(
    `${m[1].replace(/^(\w{3}) (\w{3}) +(\d+) (\d\d:\d\d(?::\d\d)?) (\d{4}).*$/, '$1, $3 $2 $5 $4')} UTC`,
  )
  return Number.isNaN(t) ? undefined : t
}

/** Writes one message as an mboxrd entry, with Status/X-Status headers carrying its flags. */
export function writeMboxMessage(
  out: WriteStream,
  raw: Uint8Array,
  options: { sender: string; receivedAt: number; flags: string[] },
): boolean {
  const date = new Date(options.receivedAt)
    .toUTCString()
    .replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5 $4')
  const text = Buffer.from(raw).toString('latin1')
  // Stored messages have CRLF line ends; a stray CR inside a line is content and must survive.
  const headerEnd = text.indexOf('\r\n\r\n')
  const status = [
    options.flags.includes('\\Seen') ? 'Status: RO' : 'Status: O',
    `X-Status: ${options.flags.includes('\\Answered') ? 'A' : ''}${options.flags.includes('\\Flagged') ? 'F' : ''}${options.flags.includes('\\Deleted') ? 'D' : ''}${options.flags.includes('\\Draft') ? 'T' : ''}`,
  ]
  const custom = options.flags.filter((f) => !f.startsWith('\\'))
  if (custom.length > 0) status.push(`X-Keywords: ${custom.join(' ')}`)
  const header = headerEnd < 0 ? text : text.slice(0, headerEnd)
  const rest = headerEnd < 0 ? '' : text.slice(headerEnd + 4)
  const lines = [`From ${options.sender || 'MAILER-DAEMON'} ${date}`, ...header.split('\r\n'), ...status, '']
  for (const line of rest.split('\r\n')) lines.push(/^>*From /.test(line) ? `>${line}` : line)
  if (lines[lines.length - 1] !== '') lines.push('')
  lines.push('')
  return out.write(Buffer.from(lines.join('\n'), 'latin1'))
}
