// Sender authentication: inbound SPF/DKIM/DMARC/ARC verification and outbound DKIM signing
// (RFC 7208, 6376, 7489, 8617, 8601) on mailauth.

export { type DkimAlgorithm, DkimSignError, type DkimSignOptions, signDkim } from './dkim-sign.ts'
export { type DmarcDisposition, type DmarcRejectPolicy, dmarcDisposition } from './dmarc-disposition.ts'
export {
  type DkimSignatureResult,
  type DmarcPolicy,
  type DmarcResult,
  type InboundMessage,
  type InboundVerdict,
  type SpfResult,
  verifyInbound,
} from './verify-inbound.ts'
