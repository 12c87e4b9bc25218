// Starts a whole Postern server in a temp directory with every listener on 127.0.0.1:0,
// logging to memory and hashing passwords cheaply.
import { buildConfig, type Config, serviceNames } from '../../src/config/config.ts'
import { createMockResolver, type Resolver } from '../../src/dns/index.ts'
import { createLogger, memorySink } from '../../src/lib/log.ts'
import { type ProtocolRegistry, type RunningServer, startServer } from '../../src/server.ts'
import { fastHasher, tempDir } from './db.ts'

export const testAdminPassword = 'test-admin-password'

export interface TestServer extends RunningServer {
  config: Config
  logs: string[]
  dataDir: string
  /** 127.0.0.1 port of a service. */
  port(service: Parameters<RunningServer['address']>[0]): number
  close(): Promise<void>
}

export async function startTestServer(
  options: {
    protocols?: ProtocolRegistry
    env?: Record<string, string>
    dataDir?: string
    resolver?: Resolver
    outboundTls?: { ca?: string[]; mtaStsPort?: number }
  } = {},
): Promise<TestServer> {
  const dir = options.dataDir ? undefined : tempDir()
  const dataDir = options.dataDir ?? dir?.path ?? ''
  const env: Record<string, string> = {
    POSTERN_HOSTNAME: 'mail.example.test',
    POSTERN_DATA_DIR: dataDir,
    POSTERN_LOG_LEVEL: 'debug',
    POSTERN_LIMITS_SHUTDOWN_GRACE_SECONDS: '2',
    POSTERN_ADMIN_PASSWORD: testAdminPassword,
    ...Object.fromEntries(serviceNames.map((s) => [`POSTERN_LISTEN_${s.toUpperCase()}`, '127.0.0.1:0'])),
    ...options.env,
  }
  const config = buildConfig({}, env, 'test')
  const sink = memorySink()
  const server = await startServer({
    config,
    log: createLogger({ level: 'debug', sink }),
    env,
    protocols: options.protocols,
    hasher: fastHasher,
    // Tests never touch real DNS: an empty mock unless the test brings its records.
    resolver: options.resolver ?? createMockResolver({}),
    ...(options.outboundTls ? { outboundTls: options.outboundTls } : {}),
  })
  return {
    ...server,
    config,
    logs: sink.lines,
    dataDir,
    port(service) {
      const address = server.address(service)
      if (!address) throw new Error(`${service} is not listening`)
      return address.port
    },
    async close() {
      await server.stop()
      dir?.remove()
    },
  }
}
