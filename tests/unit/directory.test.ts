import { beforeEach, describe, expect, test } from 'bun:test'
import { isStoreError } from '../../src/lib/errors.ts'
import { testDirectory } from '../helpers/db.ts'

let t: ReturnType<typeof testDirectory>
beforeEach(() => {
  t = testDirectory()
})

function expectStoreError(fn: () => unknown, kind: string, message?: RegExp) {
  let error: unknown
  try {
    fn()
  } catch (err) {
    error = err
  }
  expect(isStoreError(error)).toBe(true)
  expect((error as { kind: string }).kind).toBe(kind)
  if (message) expect((error as Error).message).toMatch(message)
}

async function expectStoreErrorAsync(fn: () => Promise<unknown>, kind: string) {
  const error = await fn().then(
    () => undefined,
    (err) => err,
  )
  expect(isStoreError(error)).toBe(true)
  expect((error as { kind: string }).kind).toBe(kind)
}

describe('domains', () => {
  test('add, list, get, remove', () => {
    const { domains } = t.directory
    expect(domains.add('Example.ORG').name).toBe('example.org')
    domains.add('bücher.example')
    expect(domains.list().map((d) => d.name)).toEqual(['example.org', 'xn--bcher-kva.example'])
    expect(domains.get('EXAMPLE.org')).toMatchObject({ name: 'example.org', accountCount: 0, aliasCount: 0 })
    expectStoreError(() => domains.add('example.org'), 'exists')
    expectStoreError(() => domains.add('not a domain'), 'invalidParams')
    expectStoreError(() => domains.add('localhost'), 'invalidParams')
    domains.remove('example.org')
    expectStoreError(() => domains.get('example.org'), 'notFound')
    expectStoreError(() => domains.remove('example.org'), 'notFound')
  })

  test('a domain in use cannot be removed', async () => {
    t.directory.domains.add('example.org')
    await t.directory.accounts.add({ email: 'a@example.org', password: 'password1' })
    expectStoreError(() => t.directory.domains.remove('example.org'), 'notPossible', /still has 1/)
    expect(t.directory.domains.get('example.org').accountCount).toBe(1)
  })

  test('accountCount and aliasCount count what each domain has', async () => {
    const { domains, accounts, aliases } = t.directory
    domains.add('example.org')
    domains.add('other.example')
    for (const local of ['a', 'b', 'c'])
      await accounts.add({ email: `${local}@example.org`, password: 'password1' })
    await accounts.add({ email: 'd@other.example', password: 'password1' })
    aliases.add('info@example.org', 'a@example.org')
    aliases.add('sales@example.org', 'b@example.org')
    const counts = domains.list().map((d) => [d.name, d.accountCount, d.aliasCount])
    expect(counts).toEqual([
      ['example.org', 3, 2],
      ['other.example', 1, 0],
    ])
  })
})

describe('accounts', () => {
  beforeEach(() => t.directory.domains.add('example.org'))

  test('add, get, list, update, remove', async () => {
    const { accounts } = t.directory
    const a = await accounts.add({ email: 'Alice@Example.org', password: 'correct horse', quotaBytes: 1024 })
    expect(a).toMatchObject({
      email: 'alice@example.org',
      quotaBytes: 1024,
      quotaMessages: null,
      isDisabled: false,
    })
    expect(accounts.get('ALICE@example.org').id).toBe(a.id)
    expect(accounts.list().map((x) => x.email)).toEqual(['alice@example.org'])
    expect(accounts.list('other.org')).toEqual([])
    expect(accounts.update('alice@example.org', { quotaBytes: 0, displayName: 'Alice' })).toMatchObject({
      quotaBytes: null,
      displayName: 'Alice',
    })
    accounts.remove('alice@example.org')
    expectStoreError(() => accounts.get('alice@example.org'), 'notFound')
    expect(t.handle.sqlite.query('SELECT count(*) AS n FROM addresses').get()).toEqual({ n: 0 })
  })

  test('invalid input is refused', async () => {
    const { accounts } = t.directory
    await expectStoreErrorAsync(
      () => accounts.add({ email: 'bob@nowhere.org', password: 'password1' }),
      'invalidParams',
    )
    await expectStoreErrorAsync(() => accounts.add({ email: 'bob', password: 'password1' }), 'invalidParams')
    await expectStoreErrorAsync(
      () => accounts.add({ email: 'bob@example.org', password: 'short' }),
      'invalidParams',
    )
    await expectStoreErrorAsync(
      () => accounts.add({ email: 'bob@example.org', password: 'password1', quotaBytes: -1 }),
      'invalidParams',
    )
    await accounts.add({ email: 'bob@example.org', password: 'password1' })
    await expectStoreErrorAsync(
      () => accounts.add({ email: 'BOB@example.org', password: 'password1' }),
      'exists',
    )
    t.directory.aliases.add('sales@example.org', 'bob@example.org')
    await expectStoreErrorAsync(
      () => accounts.add({ email: 'sales@example.org', password: 'password1' }),
      'exists',
    )
  })

  test('authentication: password, app password, wrong, unknown, disabled', async () => {
    const { accounts, appPasswords } = t.directory
    await accounts.add({ email: 'carol@example.org', password: 'carol-secret' })
    expect(await accounts.authenticate('Carol@example.org', 'carol-secret')).toMatchObject({
      email: 'carol@example.org',
    })
    expect(await accounts.authenticate('carol@example.org', 'wrong-secret')).toBeUndefined()
    expect(await accounts.authenticate('nobody@example.org', 'carol-secret')).toBeUndefined()
    const app = await appPasswords.add('carol@example.org', 'phone')
    expect(app).toMatch(/^ap-[0-9a-z]+-[A-Za-z0-9]{24}$/)
    expect(await accounts.authenticate('carol@example.org', app)).toMatchObject({ appPassword: 'phone' })
    expect(appPasswords.list('carol@example.org')[0]?.lastUsedAt).not.toBeNull()
    // Alone, as a bearer token: its row id says whose it is.
    expect(await accounts.authenticateToken(app)).toMatchObject({
      email: 'carol@example.org',
      appPassword: 'phone',
    })
    expect(await accounts.authenticateToken(`${app.slice(0, -1)}x`)).toBeUndefined()
    expect(await accounts.authenticateToken('carol-secret')).toBeUndefined()
    await expectStoreErrorAsync(() => appPasswords.add('carol@example.org', 'phone'), 'exists')
    // What was authenticated with is remembered, and stops being current when revoked.
    const viaApp = await accounts.authenticateToken(app)
    const viaPassword = await accounts.authenticate('carol@example.org', 'carol-secret')
    expect(viaApp?.credential).toMatch(/^app:\d+$/)
    expect(viaPassword?.credential).toMatch(/^pw:/)
    expect(accounts.isCredentialCurrent(viaApp?.id ?? 0, viaApp?.credential ?? '')).toBe(true)
    expect(accounts.isCredentialCurrent(viaPassword?.id ?? 0, viaPassword?.credential ?? '')).toBe(true)
    expect(accounts.isCredentialCurrent((viaApp?.id ?? 0) + 1, viaApp?.credential ?? '')).toBe(false)
    appPasswords.remove('carol@example.org', 'phone')
    expect(accounts.isCredentialCurrent(viaApp?.id ?? 0, viaApp?.credential ?? '')).toBe(false)
    expect(await accounts.authenticate('carol@example.org', app)).toBeUndefined()
    expect(await accounts.authenticateToken(app)).toBeUndefined()
    await accounts.setPassword('carol@example.org', 'new-secret!')
    expect(accounts.isCredentialCurrent(viaPassword?.id ?? 0, viaPassword?.credential ?? '')).toBe(false)
    expect(await accounts.authenticate('carol@example.org', 'carol-secret')).toBeUndefined()
    expect(await accounts.authenticate('carol@example.org', 'new-secret!')).toBeDefined()
    accounts.update('carol@example.org', { isDisabled: true })
    expect(await accounts.authenticate('carol@example.org', 'new-secret!')).toBeUndefined()
  })
})

describe('aliases', () => {
  beforeEach(async () => {
    t.directory.domains.add('example.org')
    await t.directory.accounts.add({ email: 'bob@example.org', password: 'password1' })
  })

  test('add, list, get, remove one target or all', () => {
    const { aliases } = t.directory
    aliases.add('info@example.org', 'bob@example.org')
    aliases.add('info@example.org', 'someone@elsewhere.net')
    aliases.add('@example.org', 'bob@example.org')
    expect(aliases.list().map((a) => `${a.address}>${a.target}`)).toEqual([
      '@example.org>bob@example.org',
      'info@example.org>bob@example.org',
      'info@example.org>someone@elsewhere.net',
    ])
    expect(aliases.get('INFO@example.org')).toHaveLength(2)
    expectStoreError(() => aliases.add('info@example.org', 'bob@example.org'), 'exists')
    expectStoreError(() => aliases.add('bob@example.org', 'x@elsewhere.net'), 'exists', /account's address/)
    expectStoreError(() => aliases.add('x@nowhere.org', 'bob@example.org'), 'invalidParams')
    expectStoreError(() => aliases.add('x@example.org', 'not-an-address'), 'invalidParams')
    aliases.remove('info@example.org', 'someone@elsewhere.net')
    expect(aliases.get('info@example.org')).toHaveLength(1)
    aliases.remove('info@example.org')
    expectStoreError(() => aliases.get('info@example.org'), 'notFound')
    expectStoreError(() => aliases.remove('info@example.org'), 'notFound')
  })
})

describe('recipient resolution', () => {
  beforeEach(async () => {
    const { domains, accounts, aliases } = t.directory
    domains.add('example.org')
    domains.add('other.org')
    await accounts.add({ email: 'alice@example.org', password: 'password1' })
    await accounts.add({ email: 'bob@example.org', password: 'password1' })
    await accounts.add({ email: 'carol@other.org', password: 'password1' })
    await accounts.add({ email: 'dave@other.org', password: 'password1' })
    accounts.update('dave@other.org', { isDisabled: true })
    aliases.add('team@example.org', 'alice@example.org')
    aliases.add('team@example.org', 'bob@example.org')
    aliases.add('team@example.org', 'partner@remote.net')
    aliases.add('nested@example.org', 'team@example.org')
    aliases.add('nested@example.org', 'alice@example.org')
    aliases.add('loop1@example.org', 'loop2@example.org')
    aliases.add('loop2@example.org', 'loop1@example.org')
    aliases.add('loop2@example.org', 'carol@other.org')
    aliases.add('@other.org', 'carol@other.org')
    aliases.add('a+b@example.org', 'bob@example.org')
    aliases.add('tocarol+x@example.org', 'carol@other.org')
  })

  const table: [string, string[] | undefined, string[]?, string?][] = [
    ['alice@example.org', ['alice@example.org']],
    ['ALICE@Example.ORG', ['alice@example.org']],
    ['alice+news@example.org', ['alice@example.org'], [], 'news'],
    ['alice+@example.org', ['alice@example.org'], []],
    ['team@example.org', ['alice@example.org', 'bob@example.org'], ['partner@remote.net']],
    ['team+x@example.org', ['alice@example.org', 'bob@example.org'], ['partner@remote.net'], 'x'],
    ['nested@example.org', ['alice@example.org', 'bob@example.org'], ['partner@remote.net']],
    ['loop1@example.org', ['carol@other.org'], []],
    ['a+b@example.org', ['bob@example.org'], []],
    ['nobody@example.org', undefined],
    ['anything@other.org', ['carol@other.org'], []],
    ['anything+tag@other.org', ['carol@other.org'], [], 'tag'],
    ['dave@other.org', undefined],
    ['alice@remote.net', undefined],
    ['not an address', undefined],
    ['', undefined],
  ]
  for (const [address, accounts, forwards, detail] of table) {
    test(`${address || '(empty)'} → ${accounts?.join(',') ?? 'none'}`, () => {
      const r = t.directory.resolver.resolve(address)
      if (accounts === undefined) {
        expect(r).toBeUndefined()
        return
      }
      expect(r?.accounts.map((a) => a.email)).toEqual(accounts)
      expect(r?.forwards).toEqual(forwards ?? [])
      expect(r?.detail).toBe(detail)
    })
  }
})

describe('admin credential and tokens', () => {
  test('first start generates a password once; a fixed one is applied', async () => {
    const { admin } = t.directory
    const first = await admin.ensure()
    expect(first.generated).toHaveLength(24)
    expect(await admin.ensure()).toEqual({ changed: false })
    expect(await admin.verify('admin', first.generated ?? '')).toBe(true)
    expect(await admin.verify('root', first.generated ?? '')).toBe(false)
    expect(await admin.ensure('fixed-password')).toEqual({ changed: true })
    expect(await admin.ensure('fixed-password')).toEqual({ changed: false })
    expect(await admin.verify('admin', 'fixed-password')).toBe(true)
  })

  test('tokens verify, expire, and die on a password reset', async () => {
    const { admin } = t.directory
    await admin.ensure('fixed-password')
    const { token } = admin.issueToken(60)
    expect(admin.verifyToken(token)).toBe(true)
    expect(admin.verifyToken(`${token}x`)).toBe(false)
    expect(admin.verifyToken('pst_garbage')).toBe(false)
    t.clock.advance(61_000)
    expect(admin.verifyToken(token)).toBe(false)
    const second = admin.issueToken(60).token
    expect(admin.verifyToken(second)).toBe(true)
    const fresh = await admin.reset()
    expect(admin.verifyToken(second)).toBe(false)
    expect(await admin.verify('admin', fresh)).toBe(true)
  })
})
