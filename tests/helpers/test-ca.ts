// A throwaway certificate authority made with the openssl command, for tests that need TLS a
// client really verifies (MTA-STS enforce, a smarthost): the CA and certificates for given names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface IssuedCertificate {
  cert: string
  key: string
  certFile: string
  keyFile: string
}

export interface TestCa {
  cert: string
  issue(names: string[]): IssuedCertificate
  remove(): void
}

function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(['openssl', ...args], { cwd, stderr: 'pipe' })
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`)
}

export function createTestCa(name = 'Postern Test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'postern-ca-'))
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${name}`],
    dir,
  )
  let serial = 0
  return {
    cert: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(names) {
      const base = `host${++serial}`
      openssl(
        ['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`],
        dir,
      )
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`)
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-set_serial',
          String(serial + 1000),
          '-out',
          `${base}.pem`,
          '-days',
          '2',
          '-extfile',
          `${base}.ext`,
        ],
        dir,
      )
      const certFile = join(dir, `${base}.pem`)
      const keyFile = join(dir, `${base}.key`)
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
