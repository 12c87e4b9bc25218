// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import {
  coreCapability,
  mailCapability,
  quotaCapability,
  submissionCapability,
  vacationCapability,
} from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { coreMethods } from './core.ts'
import { emailGetMethods } from './email-get.ts'
import { emailSubmissionMethods } from './email-submission.ts'
import { identityMethods } from './identity.ts'
import { quotaMethods } from './quota.ts'
import { threadMethods } from './thread.ts'
import { vacationMethods } from './vacation.ts'

export function jmapModules(_services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods)
  registry.add(...emailGetMethods, ...threadMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
  // Interim (jmap-emailget): Email/* and Thread/* need urn:ietf:params:jmap:mail to be known; the
  // Mailbox branch owns the mail descriptor, and once it is in the map this line does nothing.
  if (!descriptors.has(mailCapability)) descriptors.set(mailCapability, interimMailDescriptor(_services))
  registry.add(...identityMethods, ...emailSubmissionMethods, ...quotaMethods, ...vacationMethods)
  // rfc8621#section-1.3.4: an empty object in the session and in the account.
  descriptors.set(vacationCapability, { server: () => ({}), account: () => ({}) })
  // rfc9425#section-2: an empty object in the session and in the account.
  descriptors.set(quotaCapability, { server: () => ({}), account: () => ({}) })
  // rfc8621#section-1.3.3: no delayed send; no SMTP extension parameters are passed on.
  descriptors.set(submissionCapability, {
    server: () => ({}),
    account: () => ({ maxDelayedSend: 0, submissionExtensions: {} }),
  })
  const served = registry.capabilities()
  const capabilities = new Map([...descriptors].filter(([urn]) => urn === coreCapability || served.has(urn)))
  return { registry, capabilities }
}

/** rfc8621#section-2 mail capability, until the Mailbox branch's descriptor replaces it. */
function interimMailDescriptor(services: JmapServices): CapabilityDescriptor {
  return {
    server: () => ({}),
    account: () => ({
      maxMailboxesPerEmail: null,
      maxMailboxDepth: null,
      maxSizeMailboxName: 255,
      maxSizeAttachmentsPerEmail: services.limits.maxSizeUpload,
      // Email/query is not served by this branch, so no sort is offered
      emailQuerySortOptions: [],
      mayCreateTopLevelMailbox: true,
    }),
  }
}
