// Protocol-neutral error kinds raised by the domain modules (directory, store, …). Each
// protocol maps a kind to its own answer in one function (IMAP NO [..], SMTP 4xx/5xx, HTTP status).

export type StoreErrorKind =
  | 'notFound'
  | 'exists'
  | 'noPermission'
  | 'overQuota'
  | 'notPossible'
  | 'invalidParams'
  | 'expunged'
  | 'temporary'

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

export function isStoreError(err: unknown, kind?: StoreErrorKind): err is StoreError {
  return err instanceof StoreError && (kind === undefined || err.kind === kind)
}
