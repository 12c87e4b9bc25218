// The TCP listener framework for the line protocols: what a protocol session and main.ts import.

export { describeBindError, formatHostPort } from './bind-error.ts'
export {
  CompressionError,
  type Connection,
  LineTooLongError,
  StartTlsError,
  TlsHandshakeError,
  type TlsInfo,
} from './connection.ts'
export { addressKey, ConnectionLimiter, type RefusalReason } from './limits.ts'
export {
  type ListenerDeps,
  type ListenerHandle,
  type ListenerSpec,
  type NetLimits,
  startListeners,
  type TlsMode,
} from './listener.ts'
export { createMemoryConnectionPair, type MemoryClient, type MemoryPairOptions } from './memory.ts'
