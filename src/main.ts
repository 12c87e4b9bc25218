#!/usr/bin/env bun
// The composition root: `serve` builds the server from the config and runs it until SIGTERM/SIGINT;
// every other command is a CLI command on the data directory.
// The server and the CLI are loaded only when used: `serve` does not carry the importer, and a
// CLI command does not start the listeners' libraries. (Memory on a small machine.)
import { ConfigError, loadConfig } from './config/config.ts'
import { createLogger } from './lib/log.ts'
import type { RunningServer } from './server.ts'

async function serve(argv: string[]): Promise<number> {
  const configIndex = argv.findIndex((a) => a === '--config' || a === '-c')
  const extra = argv.filter((a, i) => a !== 'serve' && i !== configIndex && i !== configIndex + 1)
  if (extra.length > 0) {
    process.stderr.write(`error: serve takes only --config FILE (got ${extra.join(' ')})\n`)
    return 2
  }
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig({ file: configIndex >= 0 ? argv[configIndex + 1] : undefined })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    throw err
  }
  const log = createLogger({ level: config.log.level })
  let server: RunningServer
  try {
    const { startServer } = await import('./server.ts')
    server = await startServer({ config, log })
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`, { err })
    return 1
  }
  let signalled = false
  const shutdown = (signal: string) => {
    if (signalled) {
      log.warn(`${signal} again: exiting now`)
      process.exit(1)
    }
    signalled = true
    log.info(`${signal} received`)
    server.stop().then(
      () => process.exit(0),
      (err) => {
        log.error('error while stopping', { err })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  return new Promise<number>(() => {})
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'serve' || (argv.length >= 2 && argv[0]?.startsWith('-') && argv.includes('serve')))
    return serve(argv)
  const { runCli } = await import('./cli/index.ts')
  return runCli(argv)
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`fatal: ${(err as Error)?.stack ?? String(err)}\n`)
      process.exit(1)
    },
  )
}
