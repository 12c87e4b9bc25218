// Capability URNs and the limits the core capability advertises (rfc8620#section-2) and the
// server enforces.

export const coreCapability = 'urn:ietf:params:jmap:core'
export const mailCapability = 'urn:ietf:params:jmap:mail'
export const submissionCapability = 'urn:ietf:params:jmap:submission'
export const vacationCapability = 'urn:ietf:params:jmap:vacationresponse'
export const quotaCapability = 'urn:ietf:params:jmap:quota'
export const blobCapability = 'urn:ietf:params:jmap:blob'
export const websocketCapability = 'urn:ietf:params:jmap:websocket'

export interface CoreLimits {
  maxSizeUpload: number
  maxConcurrentUpload: number
  maxSizeRequest: number
  maxConcurrentRequests: number
  maxCallsInRequest: number
  maxObjectsInGet: number
  maxObjectsInSet: number
  collationAlgorithms: string[]
}

export const defaultLimits: CoreLimits = {
  maxSizeUpload: 50 * 1024 * 1024,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10 * 1024 * 1024,
  maxConcurrentRequests: 4,
  maxCallsInRequest: 32,
  maxObjectsInGet: 500,
  maxObjectsInSet: 500,
  collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
}
