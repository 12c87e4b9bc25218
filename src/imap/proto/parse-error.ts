// The one error the IMAP command parser throws: a client syntax error, answered with `tag BAD …`
// (rfc9051#section-7.1.5), or `* BAD …` when no tag could be read.

/** A command that is not valid IMAP syntax. `tag` is set whenever the tag itself was readable. */
export class ParseError extends Error {
  override readonly name = 'ParseError'
  constructor(
    message: string,
    /** The command's tag, when one could be read, so the server can answer `tag BAD message`. */
    readonly tag?: string,
    /** A response code to put in the BAD response, e.g. `TOOBIG` or `CLIENTBUG`. */
    readonly responseCode?: string,
  ) {
    super(message)
  }
}
