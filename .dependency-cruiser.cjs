// The layering rules of DESIGN.md, one rule per line of the design: imports point down, never up.
const layers = [
  ['lib', 'config'],
  ['net', 'tls', 'dns', 'db', 'mail'],
  ['directory', 'store', 'events', 'search', 'groupware', 'mailauth', 'sieve'],
  ['spam', 'delivery', 'queue'],
  ['smtp', 'imap', 'pop3', 'managesieve', 'jmap', 'dav', 'admin'],
  ['http', 'cli', 'server.ts', 'main.ts'],
]
const dir = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`
const protocols = ['smtp', 'imap', 'pop3', 'managesieve', 'jmap', 'dav', 'admin', 'http']
const domainModules = ['directory', 'store', 'search', 'groupware', 'spam', 'queue']

const forbidden = []
layers.forEach((layer, i) => {
  const higher = layers.slice(i + 1).flat()
  if (higher.length === 0) return
  forbidden.push({
    name: `layer-${layer.join('-')}`,
    comment: `${layer.join(', ')} may not import from a higher layer (${higher.join(', ')})`,
    severity: 'error',
    from: { path: dir(layer) },
    to: { path: dir(higher) },
  })
})
forbidden.push(
  {
    name: 'only-domain-modules-use-db',
    comment: `only ${domainModules.join(', ')} (and main/cli, which build them) import db/ or drizzle`,
    severity: 'error',
    from: { path: '^src/', pathNot: `${dir([...domainModules, 'db', 'cli', 'server.ts', 'main.ts'])}` },
    to: { path: ['^src/db/', 'node_modules/drizzle-orm'] },
  },
  {
    name: 'proto-is-pure',
    comment: '*/proto/ folders have no database, sockets, Bun or Hono',
    severity: 'error',
    from: { path: '^src/[^/]+/proto/' },
    to: { path: ['^src/(db|net)/', 'node_modules/(hono|drizzle-orm)', '^bun:', '^(node:)?(net|tls|fs)$'] },
  },
  {
    name: 'no-protocol-imports-another-server',
    comment: "a protocol never imports another protocol's server/",
    severity: 'error',
    from: { path: '^src/([^/]+)/' },
    to: { path: '^src/([^/]+)/server/', pathNot: '^src/$1/server/' },
  },
  {
    name: 'http-subapps-portable',
    comment: 'jmap, dav, admin and http use Hono and web-standard APIs only (no Bun.*/bun:)',
    severity: 'error',
    from: { path: dir(['jmap', 'dav', 'admin', 'http']) },
    to: { path: '^bun:' },
  },
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
)

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.generated\\.ts$' },
  },
}
