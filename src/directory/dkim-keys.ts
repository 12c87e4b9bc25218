// DKIM keys per local domain: an RSA-2048 and an Ed25519 key (rfc8301 section 3.2, rfc8463)
// under selectors named by date, the DNS records to publish for them, and rotation that keeps
// the old selector published for a grace period so mail signed just before still verifies.
import { generateKeyPair } from 'node:crypto'
import { promisify } from 'node:util'
import { and, asc, eq, isNull, lte } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { dkimKeys, domains } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { StoreError } from '../lib/errors.ts'
import { normalizeDomain } from './address.ts'

export type DkimKeyAlgorithm = 'rsa-sha256' | 'ed25519-sha256'

/** A key that signs mail now. */
export interface DkimSigningKey {
  domain: string
  selector: string
  algorithm: DkimKeyAlgorithm
  privateKeyPem: string
}

/** A DNS record to publish: `<selector>._domainkey.<domain> TXT <value>`. */
export interface DkimRecord {
  domain: string
  selector: string
  algorithm: DkimKeyAlgorithm
  name: string
  type: 'TXT'
  value: string
  createdAt: number
  /** Set for a rotated-out key: it stays published until then, then is deleted. */
  retireAt: number | null
}

const generate = promisify(generateKeyPair)
const dayMs = 86_400_000
export const defaultRotationGraceDays = 7

async function newKeyPair(algorithm: DkimKeyAlgorithm): Promise<{ privateKey: string; publicKey: string }> {
  if (algorithm === 'rsa-sha256') {
    const pair = await generate('rsa', { modulusLength: 2048 })
    return {
      privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicKey: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    }
  }
  const pair = await generate('ed25519')
  // rfc8463 section 4.2: p= is the bare 32-byte key, not the SubjectPublicKeyInfo around it.
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' })
  return {
    privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
  }
}

/** `r20261129` / `e20261129`, with `-2`, `-3` … when that name is taken (two rotations a day). */
function selectorFor(algorithm: DkimKeyAlgorithm, now: number, taken: Set<string>): string {
  const date = new Date(now).toISOString().slice(0, 10).replaceAll('-', '')
  const base = `${algorithm === 'rsa-sha256' ? 'r' : 'e'}${date}`
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}

export function recordValue(algorithm: DkimKeyAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${publicKey}`
}

export function createDkimKeys(db: Db, clock: Clock) {
  const domainId = (name: string): { id: number; name: string } => {
    const normalized = normalizeDomain(name)
    const row = db
      .select({ id: domains.id, name: domains.name })
      .from(domains)
      .where(eq(domains.name, normalized))
      .get()
    if (!row) throw new StoreError('notFound', `domain ${normalized} does not exist`)
    return row
  }
  const keysOf = (id: number) =>
    db.select().from(dkimKeys).where(eq(dkimKeys.domainId, id)).orderBy(asc(dkimKeys.id)).all()
  const dropRetired = (now: number) => {
    db.delete(dkimKeys).where(lte(dkimKeys.retireAt, now)).run()
  }

  /** Makes one key per algorithm; keys are generated before the (synchronous) transaction. */
  const addKeys = async (name: string, retireOthersAt: number | null) => {
    const { id } = domainId(name)
    const pairs = await Promise.all([newKeyPair('rsa-sha256'), newKeyPair('ed25519-sha256')])
    const now = clock.now()
    db.transaction((tx) => {
      const existing = tx.select().from(dkimKeys).where(eq(dkimKeys.domainId, id)).all()
      if (retireOthersAt !== null) {
        tx.update(dkimKeys)
          .set({ retireAt: retireOthersAt })
          .where(and(eq(dkimKeys.domainId, id), isNull(dkimKeys.retireAt)))
          .run()
      }
      const taken = new Set(existing.map((k) => k.selector))
      ;(['rsa-sha256', 'ed25519-sha256'] as const).forEach((algorithm, i) => {
        const selector = selectorFor(algorithm, now, taken)
        taken.add(selector)
        const pair = pairs[i] as { privateKey: string; publicKey: string }
        tx.insert(dkimKeys)
          .values({
            domainId: id,
            selector,
            algorithm,
            privateKey: pair.privateKey,
            publicKey: pair.publicKey,
            createdAt: now,
          })
          .run()
      })
    })
  }

  return {
    /** Creates the domain's keys unless it already has keys that sign; returns whether it made any. */
    async ensure(name: string): Promise<boolean> {
      const { id } = domainId(name)
      if (keysOf(id).some((k) => k.retireAt === null)) return false
      await addKeys(name, null)
      return true
    },

    /**
     * New keys under new selectors sign from now on; the current ones stay published (and can
     * verify mail in transit) for `graceDays`, then are deleted.
     */
    async rotate(name: string, graceDays = defaultRotationGraceDays): Promise<void> {
      if (!Number.isFinite(graceDays) || graceDays < 0)
        throw new StoreError('invalidParams', 'the grace period must be 0 or more days')
      await addKeys(name, clock.now() + graceDays * dayMs)
    },

    /** Every record to publish for a domain: signing keys first, then keys in their grace period. */
    records(name: string): DkimRecord[] {
      const domain = domainId(name)
      dropRetired(clock.now())
      return keysOf(domain.id)
        .sort((a, b) => Number(a.retireAt !== null) - Number(b.retireAt !== null))
        .map((k) => ({
          domain: domain.name,
          selector: k.selector,
          algorithm: k.algorithm,
          name: `${k.selector}._domainkey.${domain.name}`,
          type: 'TXT' as const,
          value: recordValue(k.algorithm, k.publicKey),
          createdAt: k.createdAt,
          retireAt: k.retireAt,
        }))
    },

    /** The keys that sign mail from `name` now (empty when it is not a local domain). */
    signingKeys(name: string): DkimSigningKey[] {
      let normalized: string
      try {
        normalized = normalizeDomain(name)
      } catch {
        return []
      }
      return db
        .select({
          selector: dkimKeys.selector,
          algorithm: dkimKeys.algorithm,
          privateKey: dkimKeys.privateKey,
        })
        .from(dkimKeys)
        .innerJoin(domains, eq(domains.id, dkimKeys.domainId))
        .where(and(eq(domains.name, normalized), isNull(dkimKeys.retireAt)))
        .orderBy(asc(dkimKeys.id))
        .all()
        .map((k) => ({
          domain: normalized,
          selector: k.selector,
          algorithm: k.algorithm,
          privateKeyPem: k.privateKey,
        }))
    },
  }
}

export type DkimKeys = ReturnType<typeof createDkimKeys>
