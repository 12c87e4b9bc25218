// The certificate store: loads every pair in `<data_dir>/tls/`, makes the bootstrap certificate
// on first start, and hands the listeners a TLS context per SNI name (rfc6066#section-3).
//
// Picking up `postern cert set` from another process: there is no file watcher. Instead, at most
// once every `rescanIntervalMs` (5 s), a call to contextFor/defaultPem/allPem stats the
// directory's files (readdir + stat, no reads) and reloads only if an inode, size or mtime changed.
import { createSecureContext, type SecureContext } from 'node:tls'
import type { Clock } from '../lib/clock.ts'
import { systemClock } from '../lib/clock.ts'
import type { Logger } from '../lib/log.ts'
import { dirSignature, listStems, readPair, tlsDirOf } from './files.ts'
import { normalizeName } from './names.ts'
import { type CertificateBundle, parseBundle } from './pem.ts'
import { bestFor, selectCertificate } from './select.ts'
import { ensureSelfSigned } from './self-signed.ts'
import { expiryWarningDays } from './set-certificate.ts'
import type { CertificateInfo, CertificateStore, TlsContexts } from './types.ts'

/** Options for {@link createCertificateStore}. */
export interface CertificateStoreOptions {
  dataDir: string
  /** The configured hostname: its certificate is the default and the fallback. */
  hostname: string
  log: Logger
  clock?: Clock
  /** How often (ms) the listeners' calls may check the directory for changes; 0 checks on every call. */
  rescanIntervalMs?: number
}

interface Loaded extends CertificateBundle {
  file: string
  context?: SecureContext
}

const dayMs = 24 * 60 * 60 * 1000

/**
 * Builds the certificate store: makes the self-signed certificate for the hostname if its files
 * are missing, then loads all pairs. Throws if no usable certificate is left.
 */
export async function createCertificateStore(options: CertificateStoreOptions): Promise<CertificateStore> {
  const log = options.log.child('tls')
  const clock = options.clock ?? systemClock
  const rescanIntervalMs = options.rescanIntervalMs ?? 5000
  const hostname = normalizeName(options.hostname) ?? ''
  const dir = tlsDirOf(options.dataDir)
  await ensureSelfSigned({ dataDir: options.dataDir, hostname, log, clock })

  let entries: Loaded[] = []
  let signature = ''
  let lastCheck = Number.NEGATIVE_INFINITY

  /** Bumped on every reload, so listeners that cache contexts can tell they are stale. */
  let generation = 0
  const reload = (): void => {
    generation++
    const nextSignature = dirSignature(dir) // taken first: a write during the reads shows up next time
    const previous = new Map(entries.map((entry) => [entry.file, entry]))
    entries = listStems(dir).flatMap((file) => loadOne(file, previous.get(file)))
    signature = nextSignature
  }

  const loadOne = (file: string, old: Loaded | undefined): Loaded[] => {
    try {
      const pair = readPair(dir, file)
      const bundle = parseBundle(pair.cert, pair.key)
      if (old && old.chainPem === bundle.chainPem && old.keyPem === bundle.keyPem) return [old]
      const fields = { file, names: bundle.names.join(','), notAfter: bundle.notAfter.toISOString() }
      log.info('loaded certificate', { ...fields, fingerprint: bundle.fingerprint })
      const left = bundle.notAfter.getTime() - clock.now()
      if (left <= 0) log.warn('certificate has expired', fields)
      else if (left < expiryWarningDays * dayMs) log.warn('certificate expires soon', fields)
      return [{ ...bundle, file }]
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      log.warn('cannot load certificate', { file, reason, keeping: old ? 'previous' : 'none' })
      return old ? [old] : []
    }
  }

  const refresh = (): boolean => {
    if (dirSignature(dir) === signature) return false
    reload()
    return true
  }

  /** The cheap periodic check; never throws into a TLS handshake. */
  const maybeRefresh = (): void => {
    const now = clock.now()
    if (now - lastCheck < rescanIntervalMs) return
    lastCheck = now
    try {
      refresh()
    } catch (err) {
      log.warn('cannot re-read certificates', {
        dir,
        reason: err instanceof Error ? err.message : String(err),
      })
    }
  }

  const pick = (servername: string | undefined): Loaded => {
    const entry = selectCertificate(entries, servername, hostname, clock.now())
    if (!entry) throw new Error(`no usable TLS certificate in ${dir}`)
    return entry
  }

  reload()
  lastCheck = clock.now()
  if (entries.length === 0) throw new Error(`no usable TLS certificate in ${dir}`)
  if (!bestFor(entries, hostname, clock.now())) log.warn('no certificate covers the hostname', { hostname })

  return {
    reload,
    refresh,
    get generation() {
      return generation
    },
    contextFor(servername) {
      maybeRefresh()
      const entry = pick(servername)
      entry.context ??= createSecureContext({ cert: entry.chainPem, key: entry.keyPem })
      return entry.context
    },
    defaultPem() {
      maybeRefresh()
      const entry = pick(undefined)
      return { cert: entry.chainPem, key: entry.keyPem }
    },
    allPem() {
      maybeRefresh()
      const names = [...new Set(entries.flatMap((entry) => entry.names))].sort()
      return names.flatMap((serverName) => {
        const entry = bestFor(entries, serverName, clock.now())
        return entry ? [{ serverName, cert: entry.chainPem, key: entry.keyPem }] : []
      })
    },
    describe() {
      const first = selectCertificate(entries, undefined, hostname, clock.now())
      const ordered = [...entries].sort(
        (a, b) => Number(b === first) - Number(a === first) || a.file.localeCompare(b.file),
      )
      return ordered.map(describeOne)
    },
  }
}

function describeOne(entry: Loaded): CertificateInfo {
  const { names, notBefore, notAfter, selfSigned, bootstrap, fingerprint, file } = entry
  return { names: [...names], notBefore, notAfter, selfSigned, bootstrap, fingerprint, file }
}

/**
 * An `SNICallback` for node:tls servers over any {@link TlsContexts}: answers with the context
 * for the client's name, or with the error if there is none (the handshake then fails).
 */
export function sniCallback(
  contexts: TlsContexts,
): (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void {
  return (servername, cb) => {
    try {
      cb(null, contexts.contextFor(servername))
    } catch (err) {
      cb(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
