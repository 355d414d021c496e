import {EXIT, LeadpoetError, type ExitCode} from '../errors.js'
import {toLeadpoetError} from '../adapters/errors.js'
import {AuthError} from './core.js'

/** The exit status for an issuer refusal, by its HTTP status: bad input, not authorised, or a failure. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.unauthorised
  if (status >= 400 && status < 500) return EXIT.usage
  return EXIT.error
}

/** The core's errors (AuthError, and RpcError through the store's mapping) as the tool's one error type. */
export function toAuthLeadpoetError(error: unknown): LeadpoetError {
  if (error instanceof AuthError)
    return new LeadpoetError(error.code, error.message, exitCodeForStatus(error.status), error.details)
  return toLeadpoetError(error)
}
