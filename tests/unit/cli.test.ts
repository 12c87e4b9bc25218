// CLI commands against a temp data directory, in process; exit codes and output as a user sees them.
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { runCli } from '../../src/cli/index.ts'
import { tempDir } from '../helpers/db.ts'

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.remove())

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, {
    out: { line: (l) => out.push(l), error: (l) => err.push(l) },
    env: { POSTERN_DATA_DIR: dir.path, POSTERN_HOSTNAME: 'mail.example.test' },
    stdin: async () => 'stdin-password\n',
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

test('domain, account, alias life cycle with tables and JSON', async () => {
  expect(await cli('domain', 'add', 'Example.org')).toMatchObject({
    code: 0,
    out: 'domain example.org added (DKIM keys made; `postern dkim show example.org` prints the DNS records)',
  })
  expect((await cli('domain', 'add', 'example.org')).err).toBe('error: domain example.org already exists')
  expect(
    (await cli('account', 'add', 'a@example.org', '--password', 'password-a', '--name', 'Ann')).code,
  ).toBe(0)
  expect((await cli('account', 'add', 'b@example.org', '--password', '-', '--quota', '500M')).out).toBe(
    'account b@example.org added (quota 500 MiB)',
  )
  const list = await cli('account', 'list')
  expect(list.out.split('\n')[0]).toMatch(/^EMAIL\s+NAME\s+QUOTA\s+DISABLED\s+CREATEDAT$/)
  expect(list.out).toMatch(/a@example\.org\s+Ann\s+unlimited\s+false/)
  expect(list.out).toMatch(/b@example\.org\s+-?\s+500 MiB/)
  const json = JSON.parse((await cli('account', 'list', '--json')).out) as { email: string }[]
  expect(json.map((a) => a.email)).toEqual(['a@example.org', 'b@example.org'])
  expect((await cli('account', 'quota', 'a@example.org', '1G')).out).toBe(
    'quota of a@example.org set to 1 GiB',
  )
  expect((await cli('alias', 'add', 'info@example.org', 'a@example.org')).out).toBe(
    'alias info@example.org → a@example.org added',
  )
  expect((await cli('alias', 'add', '@example.org', 'b@example.org')).code).toBe(0)
  expect((await cli('alias', 'list')).out).toMatch(/@example\.org\s+b@example\.org/)
  expect((await cli('domain', 'remove', 'example.org')).err).toMatch(/still has/)
  expect((await cli('alias', 'remove', 'info@example.org')).code).toBe(0)
  expect((await cli('alias', 'remove', '@example.org', 'b@example.org')).code).toBe(0)
  expect((await cli('account', 'remove', 'a@example.org')).code).toBe(0)
  expect((await cli('account', 'remove', 'a@example.org')).err).toBe(
    'error: account a@example.org does not exist',
  )
  expect((await cli('account', 'remove', 'b@example.org')).code).toBe(0)
  expect((await cli('domain', 'remove', 'example.org')).code).toBe(0)
  expect((await cli('domain', 'list')).out).toBe('(none)')
})

test('app passwords', async () => {
  await cli('domain', 'add', 'example.org')
  await cli('account', 'add', 'a@example.org', '--password', 'password-a')
  const made = await cli('account', 'app-password', 'add', 'a@example.org', 'phone')
  expect(made.out).toMatch(
    /^app password "phone" for a@example\.org: ap-[0-9a-z]+-[A-Za-z0-9]{24}\nIt is shown only this once\.$/,
  )
  expect((await cli('account', 'app-password', 'list', 'a@example.org')).out).toMatch(/phone/)
  expect((await cli('account', 'app-password', 'remove', 'a@example.org', 'phone')).code).toBe(0)
})

test('admin-password reset prints a new password', async () => {
  const r = await cli('admin-password', 'reset')
  expect(r.code).toBe(0)
  expect(r.out).toMatch(/^new admin password \(user admin\): [A-Za-z0-9]{24}$/)
})

test('usage errors exit 2 with the usage text; failures exit 1', async () => {
  expect(await cli()).toMatchObject({ code: 2 })
  expect(await cli('frobnicate')).toMatchObject({
    code: 2,
    err: expect.stringContaining('unknown command "frobnicate"'),
  })
  expect(await cli('domain', 'add')).toMatchObject({
    code: 2,
    err: expect.stringContaining('missing domain NAME'),
  })
  expect(await cli('account', 'add', 'x@y.org')).toMatchObject({
    code: 2,
    err: expect.stringContaining('missing --password'),
  })
  expect(await cli('domain', 'add', 'x.org', '--bogus')).toMatchObject({
    code: 2,
    err: expect.stringContaining("'--bogus'"),
  })
  expect(await cli('account', 'add', 'x@nowhere.org', '--password', 'password1')).toMatchObject({
    code: 1,
    err: 'error: domain nowhere.org is not local; add the domain first',
  })
  expect(await cli('account', 'quota', 'x@y.org', 'lots')).toMatchObject({ code: 2 })
  expect(await cli('help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: postern') })
})

test('cert set rejects bad input with one line', async () => {
  expect(await cli('cert', 'set', '--cert', '/nonexistent.pem', '--key', '/nonexistent.key')).toMatchObject({
    code: 1,
    err: 'error: cannot read /nonexistent.pem: ENOENT',
  })
  expect(await cli('cert', 'set')).toMatchObject({ code: 2 })
})

test('a bad config stops the command with one line', async () => {
  const out: string[] = []
  const code = await runCli(['domain', 'list'], {
    out: { line: (l) => out.push(l), error: (l) => out.push(l) },
    env: { POSTERN_DATA_DIR: dir.path, POSTERN_LISTEN_IMAP: 'nonsense' },
  })
  expect(code).toBe(1)
  expect(out).toEqual([
    'error: config: listen.imap = "nonsense" (from environment variable POSTERN_LISTEN_IMAP) is not valid; expected host:port (e.g. 0.0.0.0:143), or "off" to disable the service',
  ])
})

test('dkim show prints the TXT records to publish; rotate keeps the old selectors for the grace period', async () => {
  await cli('domain', 'add', 'example.org')
  const show = await cli('dkim', 'show', 'example.org')
  expect(show.code).toBe(0)
  const lines = show.out.split('\n')
  expect(lines.length).toBe(2)
  expect(lines[0]).toMatch(
    /^r\d{8}\._domainkey\.example\.org\. IN TXT "v=DKIM1; k=rsa; p=MIIB[^"]{200,}" "[^"]+"$/,
  )
  expect(lines[1]).toMatch(
    /^e\d{8}\._domainkey\.example\.org\. IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$/,
  )
  const rotated = await cli('dkim', 'rotate', 'example.org', '--grace-days', '3')
  expect(rotated.code).toBe(0)
  const after = rotated.out.split('\n')
  expect(after[0]).toBe('new DKIM keys for example.org; the old selectors stay published for 3 day(s)')
  expect(after.length).toBe(5)
  expect(after[3]).toMatch(/; retiring, remove after \d{4}-\d\d-\d\dT/)
  const json = JSON.parse((await cli('dkim', 'show', 'example.org', '--json')).out) as { selector: string }[]
  expect(json.map((r) => r.selector)).toEqual([
    expect.stringMatching(/-2$/),
    expect.stringMatching(/-2$/),
    expect.any(String),
    expect.any(String),
  ])
  expect(await cli('dkim', 'show', 'nowhere.test')).toMatchObject({
    code: 1,
    err: 'error: domain nowhere.test does not exist',
  })
  expect((await cli('dkim', 'rotate', 'example.org', '--grace-days', 'soon')).code).toBe(2)
})
