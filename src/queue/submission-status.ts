// What a queue attempt means for JMAP EmailSubmission's deliveryStatus (rfc8621#section-7):
// delivered → "yes", failed for good → "no", deferred → still "queued", with the SMTP reply.
import type { DeliveryStatus } from '../store/submissions.ts'
import type { AttemptReport } from './queue-store.ts'

export function submissionStatuses(report: AttemptReport): Record<string, DeliveryStatus> {
  const out: Record<string, DeliveryStatus> = {}
  for (const r of report.recipients) {
    const delivered = r.status === 'delivered' ? 'yes' : r.status === 'failed' ? 'no' : 'queued'
    // The queue keeps the remote reply only for refusals; an acceptance is known by its status code.
    const smtpReply =
      r.error === null
        ? `250 ${r.statusCode} OK`
        : /^[245][0-9][0-9][ -]/.test(r.error)
          ? r.error
          : `${r.status === 'failed' ? '550' : '451'} ${r.statusCode} ${r.error}`
    out[r.address] = { smtpReply, delivered, displayed: 'unknown' }
  }
  return out
}
