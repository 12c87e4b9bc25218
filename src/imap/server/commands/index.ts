// The handler of each command this server implements. A command missing here is answered BAD
// and the extensions it belongs to are not announced (capabilities.ts).
import type { HandlerTable } from '../context.ts'
import { append } from './append.ts'
import { authenticate, login } from './auth.ts'
import { compress } from './compress.ts'
import { copy, move } from './copy-move.ts'
import { expunge } from './expunge.ts'
import { fetch } from './fetch.ts'
import { idle } from './idle.ts'
import { list, lsub } from './list.ts'
import { create, deleteMailbox, rename, subscribe, unsubscribe } from './mailboxes.ts'
import { getQuota, getQuotaRoot, setQuota } from './quota.ts'
import { search } from './search.ts'
import { close, select, unselect } from './select.ts'
import { capability, enable, id, logout, namespace, noop, starttls, unauthenticate } from './session.ts'
import { sort, thread } from './sort-thread.ts'
import { status } from './status.ts'
import { store } from './store.ts'

export const handlers: HandlerTable = {
  CAPABILITY: capability,
  NOOP: noop,
  CHECK: noop,
  LOGOUT: logout,
  STARTTLS: starttls,
  ID: id,
  ENABLE: enable,
  NAMESPACE: namespace,
  UNAUTHENTICATE: unauthenticate,
  LOGIN: login,
  AUTHENTICATE: authenticate,
  SELECT: select,
  EXAMINE: select,
  CLOSE: close,
  UNSELECT: unselect,
  IDLE: idle,
  CREATE: create,
  DELETE: deleteMailbox,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  LIST: list,
  LSUB: lsub,
  STATUS: status,
  GETQUOTA: getQuota,
  GETQUOTAROOT: getQuotaRoot,
  SETQUOTA: setQuota,
  FETCH: fetch,
  STORE: store,
  SEARCH: search,
  SORT: sort,
  THREAD: thread,
  COPY: copy,
  MOVE: move,
  EXPUNGE: expunge,
  APPEND: append,
  COMPRESS: compress,
}
