// The whole schema, for drizzle-kit and the typed client.
export * from './accounts.ts'
export * from './domains.ts'
export * from './settings.ts'
