// The whole schema, for drizzle-kit and the typed client.
export * from './accounts.ts'
export * from './deliveries.ts'
export * from './domains.ts'
export * from './emails.ts'
export * from './imports.ts'
export * from './mailboxes.ts'
export * from './queue.ts'
export * from './settings.ts'
