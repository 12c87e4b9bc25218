// Maildir and Maildir++ reading for import: cur/ and new/ of the top folder (the inbox) and of
// every ".Folder.Sub" folder (as "Folder/Sub"); flags from the ":2," info suffix, Dovecot's
// custom keywords (letters a-z) through dovecot-keywords. Files in a folder are taken in
// name order, which for Maildir is delivery order.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { normalizeCrlf } from '../../mail/index.ts'

export interface MaildirFolder {
  /** Mailbox path: "INBOX" for the top folder, "Folder/Sub" for ".Folder.Sub". */
  mailbox: string
  dir: string
}

export interface MaildirEntry {
  path: string
  keywords: string[]
  receivedAt: number
}

/** The folders of a Maildir++ tree that hold mail. */
export function maildirFolders(root: string): MaildirFolder[] {
  const isMaildir = (dir: string) => existsSync(join(dir, 'cur')) || existsSync(join(dir, 'new'))
  if (!isMaildir(root)) throw new Error(`${root} is not a Maildir (no cur/ or new/ inside)`)
  const folders: MaildirFolder[] = [{ mailbox: 'INBOX', dir: root }]
  for (const name of readdirSync(root).sort()) {
    if (!name.startsWith('.') || name === '.' || name === '..') continue
    const dir = join(root, name)
    if (!statSync(dir).isDirectory() || !isMaildir(dir)) continue
    const levels = name.slice(1).split('.').map(decodeModifiedUtf7)
    folders.push({
      mailbox:
        levels[0]?.toUpperCase() === 'INBOX' && levels.length > 1
          ? levels.slice(1).join('/')
          : levels.join('/'),
      dir,
    })
  }
  return folders
}

/** The messages of one folder, with flags from their file names. */
export function maildirEntries(folder: MaildirFolder): MaildirEntry[] {
  const letters = dovecotKeywords(folder.dir)
  const entries: MaildirEntry[] = []
  for (const sub of ['cur', 'new']) {
    const dir = join(folder.dir, sub)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue
      const path = join(dir, name)
      const stat = statSync(path)
      if (!stat.isFile()) continue
      const info = /:2,([^:]*)$/.exec(name)?.[1] ?? ''
      const keywords: string[] = []
      for (const c of info) {
        if (c === 'S') keywords.push('\\Seen')
        else if (c === 'R') keywords.push('\\Answered')
        else if (c === 'F') keywords.push('\\Flagged')
        else if (c === 'T') keywords.push('\\Deleted')
        else if (c === 'D') keywords.push('\\Draft')
        else if (c === 'P') keywords.push('$Forwarded')
        else if (c >= 'a' && c <= 'z' && letters[c]) keywords.push(letters[c] as string)
      }
      const leading = /^(\d{9,})\./.exec(name)?.[1]
      const receivedAt = leading ? Number(leading) * 1000 : stat.mtimeMs
      entries.push({ path, keywords, receivedAt })
    }
  }
  return entries
}

function dovecotKeywords(dir: string): Record<string, string> {
  const file = join(dir, 'dovecot-keywords')
  if (!existsSync(file)) return {}
  const out: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(\S+)$/.exec(line.trim())
    if (m && Number(m[1]) < 26) out[String.fromCharCode(97 + Number(m[1]))] = m[2] as string
  }
  return out
}

/** rfc3501#section-5.1.3 modified UTF-7, as Maildir++ folder names use it. */
export function decodeModifiedUtf7(name: string): string {
  return name.replace(/&([^-]*)-/g, (_, b64: string) => {
    if (b64 === '') return '&'
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64')
    let out = ''
    for (let i = 0; i + 1 < bytes.length; i += 2)
      out += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0))
    return out
  })
}

/** Reads a Maildir file as a message with CRLF line ends. */
export function readMaildirMessage(path: string): Uint8Array {
  return normalizeCrlf(readFileSync(path))
}
