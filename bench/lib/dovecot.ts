// A throw-away Dovecot IMAP server (Debian's dovecot-imapd) for the benchmarks, holding the corpus
// mailbox: the messages go in as Maildir files in order (UID n is message n, as in Postern's
// import), served as they are or imported into sdbox, Dovecot's own format, with `doveadm import`.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { dovecotConfig } from '../../tests/helpers/dovecot.ts'
import { freePorts, run, waitForPort } from '../../tests/helpers/process.ts'
import { stopTree } from './proc.ts'

const dovecotBin = '/usr/sbin/dovecot'
const imapBin = '/usr/lib/dovecot/imap'

export interface BenchDovecot {
  port: number
  /** The process whose tree holds the server. */
  pid: number
  /** Wall-clock seconds of writing the Maildir and, for sdbox, `doveadm import`. */
  importSeconds: number
}

/**
 * Starts Dovecot on a free loopback port with `raws` in `user`'s INBOX, under `<tmp>/dovecot`;
 * its stop is registered in `cleanups`. `settings` and `loginService` go into the config as
 * `dovecotConfig` takes them. `importFsync: false` runs the import with `mail_fsync = never`
 * (the store is thrown away at the end; the server itself keeps Dovecot's default). Returns
 * undefined, having said so, when dovecot-imapd is not installed.
 */
export async function startBenchDovecot(options: {
  tmp: string
  user: string
  password: string
  raws: Uint8Array[]
  format: 'sdbox' | 'maildir'
  writtenBy: string
  settings?: string
  loginService?: string
  importFsync?: boolean
  cleanups: Array<() => void>
}): Promise<BenchDovecot | undefined> {
  if (!fs.existsSync(dovecotBin) || !fs.existsSync(imapBin)) {
    console.log('dovecot-imapd is not installed (apt-get install dovecot-imapd): reporting Postern alone')
    return undefined
  }
  const { tmp } = options
  const dir = join(tmp, 'dovecot')
  for (const sub of ['run', 'state', 'home', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) {
    fs.mkdirSync(join(dir, sub), { recursive: true })
  }
  fs.chmodSync(tmp, 0o755)
  fs.chmodSync(dir, 0o755)
  const id = (flag: string) => Number(run(['id', flag, 'dovecot']).stdout.trim())
  const owner = { name: 'dovecot', uid: id('-u'), gid: id('-g') }
  if (!Number.isInteger(owner.uid)) throw new Error('no dovecot user')
  fs.writeFileSync(join(dir, 'passwd'), `${options.user}:${options.password}::::::\n`)
  const started = performance.now()
  // Names in timestamp order: Dovecot gives message i the UID i + 1, as Postern's import does.
  options.raws.forEach((raw, i) => {
    fs.writeFileSync(join(dir, 'Maildir/cur', `${1_000_000_000 + i}.P${i}.bench:2,`), raw)
  })
  for (const sub of ['Maildir', 'home', 'state'])
    run(['chown', '-R', `${owner.uid}:${owner.gid}`, join(dir, sub)])
  const [port = 0] = await freePorts(1)
  const conf = join(dir, 'dovecot.conf')
  fs.writeFileSync(
    conf,
    dovecotConfig({
      writtenBy: options.writtenBy,
      dir,
      port,
      owner,
      protocol: 'imap',
      mailLocation: options.format === 'maildir' ? `maildir:${dir}/Maildir` : `sdbox:${dir}/sdbox`,
      settings: options.settings,
      loginService: options.loginService,
    }),
  )
  if (options.format === 'sdbox') {
    // Dovecot's own format (flags in its index, not in file names): the Maildir is imported into it.
    fs.mkdirSync(join(dir, 'sdbox'))
    fs.chownSync(join(dir, 'sdbox'), owner.uid, owner.gid)
    // Without -u, doveadm serves $USER with mail_location from the config and no userdb lookup.
    const env = { PATH: process.env.PATH ?? '', USER: options.user, HOME: join(dir, 'home') }
    const fsync = options.importFsync === false ? ['-o', 'mail_fsync=never'] : []
    const imported = run(
      ['doveadm', '-c', conf, ...fsync, 'import', `maildir:${join(dir, 'Maildir')}`, '', 'all'],
      { env },
    )
    if (imported.code !== 0) throw new Error(`doveadm import failed:\n${imported.stdout}${imported.stderr}`)
    run(['chown', '-R', `${owner.uid}:${owner.gid}`, join(dir, 'sdbox')])
    fs.rmSync(join(dir, 'Maildir'), { recursive: true, force: true })
  }
  const importSeconds = (performance.now() - started) / 1000
  // Many sessions are many imap processes with their descriptors: raise the fd limit.
  const child = Bun.spawn(['sh', '-c', `ulimit -n 65536; exec ${dovecotBin} -F -c ${conf}`], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  options.cleanups.push(() => stopTree(child.pid))
  await waitForPort(port, 60_000)
  return { port, pid: child.pid, importSeconds }
}
