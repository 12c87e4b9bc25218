// Response codes, the bracketed part of a status response (rfc9051#section-7.1), as typed values
// with one formatter, and the status line builder `tag OK [CODE] text`.
import { compressOrdered, compressSequenceSet } from './sequence-set.ts'

/** Codes without arguments: rfc9051#section-7.1, rfc5530 (error codes), rfc7162, rfc4315, rfc4469/7889. */
export type SimpleResponseCode =
  | 'ALERT'
  | 'ALREADYEXISTS'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'CANNOT'
  | 'CLIENTBUG'
  | 'CLOSED'
  | 'COMPRESSIONACTIVE'
  | 'CONTACTADMIN'
  | 'CORRUPTION'
  | 'EXPIRED'
  | 'EXPUNGEISSUED'
  | 'HASCHILDREN'
  | 'INUSE'
  | 'LIMIT'
  | 'NOMODSEQ'
  | 'NONEXISTENT'
  | 'NOPERM'
  | 'NOTSAVED'
  | 'OVERQUOTA'
  | 'PARSE'
  | 'PRIVACYREQUIRED'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'SERVERBUG'
  | 'TOOBIG'
  | 'TRYCREATE'
  | 'UIDNOTSTICKY'
  | 'UNAVAILABLE'
  | 'UNKNOWN-CTE'
  | 'USEATTR'

export type ResponseCode =
  | { code: SimpleResponseCode }
  | { code: 'HIGHESTMODSEQ'; modseq: number }
  /** MODIFIED: the messages STORE did not change because of UNCHANGEDSINCE (rfc7162#section-3.1.3). */
  | { code: 'MODIFIED'; numbers: readonly number[] }
  /** APPENDUID (rfc4315#section-3) */
  | { code: 'APPENDUID'; uidValidity: number; uids: readonly number[] }
  /** COPYUID (rfc4315#section-3): source and destination UIDs in corresponding order. */
  | {
      code: 'COPYUID'
      uidValidity: number
      sourceUids: readonly number[]
      destinationUids: readonly number[]
    }
  | { code: 'MAILBOXID'; id: string }
  /** BADCHARSET with the supported charsets (rfc9051#section-7.1) */
  | { code: 'BADCHARSET'; charsets: readonly string[] }
  | { code: 'CAPABILITY'; capabilities: readonly string[] }
  | { code: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN'; value: number }
  | { code: 'PERMANENTFLAGS'; flags: readonly string[] }

/** `[CODE args]` */
export function formatResponseCode(rc: ResponseCode): string {
  return `[${responseCodeText(rc)}]`
}

function responseCodeText(rc: ResponseCode): string {
  switch (rc.code) {
    case 'HIGHESTMODSEQ':
      return `HIGHESTMODSEQ ${rc.modseq}`
    case 'MODIFIED':
      return `MODIFIED ${compressSequenceSet(rc.numbers)}`
    case 'APPENDUID':
      return `APPENDUID ${rc.uidValidity} ${compressOrdered(rc.uids)}`
    case 'COPYUID':
      return `COPYUID ${rc.uidValidity} ${compressOrdered(rc.sourceUids)} ${compressOrdered(rc.destinationUids)}`
    case 'MAILBOXID':
      return `MAILBOXID (${rc.id})`
    case 'BADCHARSET':
      return rc.charsets.length === 0 ? 'BADCHARSET' : `BADCHARSET (${rc.charsets.join(' ')})`
    case 'CAPABILITY':
      return `CAPABILITY ${rc.capabilities.join(' ')}`
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
      return `${rc.code} ${rc.value}`
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS (${rc.flags.join(' ')})`
    default:
      return rc.code
  }
}

export type ResponseStatus = 'OK' | 'NO' | 'BAD' | 'PREAUTH' | 'BYE'

/**
 * A status response line with CRLF: `a1 OK [READ-WRITE] SELECT completed`, or untagged with `*`
 * (rfc9051#section-7.1). Text is a single line; CR and LF in it are replaced by spaces.
 */
export function statusLine(tag: string, status: ResponseStatus, text: string, code?: ResponseCode): string {
  const safeText = text.replace(/[\r\n]+/g, ' ')
  return `${tag} ${status} ${code === undefined ? '' : `${formatResponseCode(code)} `}${safeText}\r\n`
}
