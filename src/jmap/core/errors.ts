// JMAP errors at their three levels (rfc8620#section-3.6): a request-level problem (an HTTP
// status with a problem details body, rfc7807), a method-level error (an "error" response in
// place of the method's), and a per-object SetError inside a /set or /copy response.

/** An HTTP error as an rfc7807 problem details response; `extra` may override `type`. */
export function problemResponse(
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', status, detail, ...extra }), {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json' },
  })
}

/** rfc8620#section-3.6.1 request-level error types (urn:ietf:params:jmap:error:…). */
export type RequestErrorType = 'unknownCapability' | 'notJSON' | 'notRequest' | 'limit'

export class RequestError extends Error {
  constructor(
    readonly type: RequestErrorType,
    readonly detail: string,
    readonly status = 400,
    /** For `limit`: the name of the limit that was exceeded (rfc8620#section-3.6.1). */
    readonly limit?: string,
  ) {
    super(detail)
  }

  problem(): Record<string, unknown> {
    return {
      type: `urn:ietf:params:jmap:error:${this.type}`,
      status: this.status,
      detail: this.detail,
      ...(this.limit ? { limit: this.limit } : {}),
    }
  }

  response(): Response {
    const { status, detail, ...extra } = this.problem()
    return problemResponse(this.status, this.detail, extra)
  }
}

/** rfc8620#section-3.6.2 and the method-specific errors of rfc8620/rfc8621. */
export type MethodErrorType =
  | 'serverUnavailable'
  | 'serverFail'
  | 'serverPartialFail'
  | 'unknownMethod'
  | 'invalidArguments'
  | 'invalidResultReference'
  | 'forbidden'
  | 'accountNotFound'
  | 'accountNotSupportedByMethod'
  | 'accountReadOnly'
  | 'requestTooLarge'
  | 'cannotCalculateChanges'
  | 'stateMismatch'
  | 'anchorNotFound'
  | 'unsupportedSort'
  | 'unsupportedFilter'
  | 'tooManyChanges'
  | 'fromAccountNotFound'
  | 'fromAccountNotSupportedByMethod'
  | 'unknownDataType'

export class MethodError extends Error {
  constructor(
    readonly type: MethodErrorType,
    readonly description?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description ?? type)
  }

  response(): Record<string, unknown> {
    return { type: this.type, ...(this.description ? { description: this.description } : {}), ...this.extra }
  }
}

/** rfc8620#section-5.3 and rfc8621 SetError types. */
export type SetErrorType =
  | 'forbidden'
  | 'overQuota'
  | 'tooLarge'
  | 'rateLimit'
  | 'notFound'
  | 'invalidPatch'
  | 'willDestroy'
  | 'invalidProperties'
  | 'singleton'
  | 'alreadyExists'
  | 'mailboxHasChild'
  | 'mailboxHasEmail'
  | 'blobNotFound'
  | 'tooManyKeywords'
  | 'tooManyMailboxes'
  | 'invalidEmail'
  | 'tooManyRecipients'
  | 'noRecipients'
  | 'invalidRecipients'
  | 'forbiddenMailFrom'
  | 'forbiddenFrom'
  | 'forbiddenToSend'
  | 'cannotUnsend'

export class SetError extends Error {
  constructor(
    readonly type: SetErrorType,
    readonly description?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description ?? type)
  }

  /** invalidProperties naming the properties at fault. */
  static invalidProperties(properties: string[], description?: string): SetError {
    return new SetError('invalidProperties', description, { properties })
  }

  object(): Record<string, unknown> {
    return { type: this.type, ...(this.description ? { description: this.description } : {}), ...this.extra }
  }
}

/** Shorthand for the most common method error. */
export function invalidArguments(description: string): MethodError {
  return new MethodError('invalidArguments', description)
}
