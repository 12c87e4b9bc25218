// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import {
  coreCapability,
  quotaCapability,
  submissionCapability,
  vacationCapability,
} from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { coreMethods } from './core.ts'
import { emailSubmissionMethods } from './email-submission.ts'
import { identityMethods } from './identity.ts'
import { quotaMethods } from './quota.ts'
import { vacationMethods } from './vacation.ts'

export function jmapModules(_services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
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
