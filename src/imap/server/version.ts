// The server version for ID (rfc2971), from package.json.
import pkg from '../../../package.json' with { type: 'json' }

export const version: string = pkg.version
