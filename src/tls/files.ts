// The certificate directory `<data_dir>/tls/`: `<name>.crt` (PEM chain) and `<name>.key`
// (PEM key, mode 0600) pairs, written atomically so a running server never reads half a file.

import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

/** The certificate directory inside a data directory. */
export function tlsDirOf(dataDir: string): string {
  return join(dataDir, 'tls')
}

/** Creates the certificate directory if needed and makes sure only the owner can enter it (0700). */
export function ensureTlsDir(dataDir: string): string {
  const dir = tlsDirOf(dataDir)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  return dir
}

/** Paths of the pair stored under `stem`. */
export function pairPaths(dir: string, stem: string): { cert: string; key: string } {
  return { cert: join(dir, `${stem}.crt`), key: join(dir, `${stem}.key`) }
}

/** Which files of the pair under `stem` exist. */
export function pairExists(dir: string, stem: string): { cert: boolean; key: boolean } {
  const paths = pairPaths(dir, stem)
  return { cert: existsSync(paths.cert), key: existsSync(paths.key) }
}

/**
 * Writes a pair: the key first (0600), then the certificate (0644), each through a temporary
 * file and a rename. A reader between the two renames sees a mismatched pair and keeps what it had.
 */
export function writePair(
  dir: string,
  stem: string,
  certPem: string,
  keyPem: string,
): { cert: string; key: string } {
  const paths = pairPaths(dir, stem)
  writeAtomically(paths.key, keyPem, 0o600)
  writeAtomically(paths.cert, certPem, 0o644)
  return paths
}

/** Reads the pair stored under `stem`. */
export function readPair(dir: string, stem: string): { cert: string; key: string } {
  const paths = pairPaths(dir, stem)
  return { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') }
}

/** File stems of all `*.crt` files in the directory, sorted; dot files (temporaries) are skipped. */
export function listStems(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => name.endsWith('.crt') && !name.startsWith('.'))
    .map((name) => name.slice(0, -'.crt'.length))
    .sort()
}

/**
 * A cheap summary of the directory's certificate files (name, inode, size, mtime of each), so a
 * change by another process (`postern cert set`) can be noticed without reading the files.
 * Renames give new inodes, so two quick writes within one mtime tick are still told apart.
 */
export function dirSignature(dir: string): string {
  if (!existsSync(dir)) return ''
  const parts: string[] = []
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || !(name.endsWith('.crt') || name.endsWith('.key'))) continue
    try {
      const st = statSync(join(dir, name))
      parts.push(`${name}:${st.ino}:${st.size}:${st.mtimeMs}`)
    } catch {
      parts.push(`${name}:gone`) // removed between readdir and stat; the next check settles it
    }
  }
  return parts.join('|')
}

function writeAtomically(path: string, data: string, mode: number): void {
  const dir = join(path, '..')
  const tmp = join(dir, `.${path.slice(dir.length + 1)}.${randomBytes(6).toString('hex')}.tmp`)
  writeFileSync(tmp, data, { mode })
  chmodSync(tmp, mode) // the umask may have taken bits away; 0600 must be exact for keys
  renameSync(tmp, path)
}
