import {Flags} from '@oclif/core'
import {DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS} from '../auth/index.js'

/**
 * The token issuer's flags, shared by `auth issue` and `dev stack` (which runs the issuer). Apart from
 * flags.ts, which every command loads: these pull in the auth code.
 */
export function issuerFlags(operatorDescription: string) {
  return {
    operator: Flags.string({
      description: operatorDescription,
      multiple: true,
      env: 'LEADPOET_OPERATOR_HOTKEYS',
      delimiter: ',',
    }),
    ttl: Flags.integer({
      description: 'token lifetime in seconds',
      default: DEFAULT_TOKEN_TTL_SECONDS,
      min: 60,
      max: MAX_TOKEN_TTL_SECONDS,
    }),
  }
}
