import {EXIT, LeadpoetError, type ExitCode} from '../errors.js'

/** The database functions' SQLSTATEs (class LP, see the functions migration) and their names. */
interface KnownError {
  code: string
  exit: ExitCode
  /** Replaces the database's message where ours says more to an operator. */
  message?: string
}

const FUNCTION_ERRORS: Record<string, KnownError> = {
  LP400: {code: 'INVALID_INPUT', exit: EXIT.usage},
  LP401: {code: 'NOT_AUTHENTICATED', exit: EXIT.unauthorised},
  LP403: {code: 'FORBIDDEN', exit: EXIT.unauthorised},
  LP404: {code: 'UNKNOWN_PROSPECT', exit: EXIT.usage},
  LP406: {code: 'NOT_ELIGIBLE', exit: EXIT.unauthorised},
  LP407: {code: 'UNKNOWN_GOLDEN_LEAD', exit: EXIT.usage},
  LP409: {code: 'EPOCH_NOT_OVER', exit: EXIT.error},
  // The epoch is over but the operator has not closed it: nothing to set yet, try again later.
  LP410: {code: 'EPOCH_NOT_CLOSED', exit: EXIT.nothingToDo},
  LP412: {code: 'COMMIT_ALREADY_PENDING', exit: EXIT.nothingToDo},
  LP413: {code: 'BATCH_TOO_LARGE', exit: EXIT.usage},
  LP497: {code: 'HOTKEY_REVOKED', exit: EXIT.unauthorised},
  LP498: {code: 'TOKEN_REVOKED', exit: EXIT.unauthorised},
}

/** Postgres and PostgREST codes that mean something to a user of this tool. */
const PLATFORM_ERRORS: Record<string, KnownError> = {
  '42501': {code: 'FORBIDDEN', exit: EXIT.unauthorised},
  '42883': {
    code: 'DATABASE_NOT_MIGRATED',
    exit: EXIT.error,
    message: 'the database has no leadpoet functions: run `leadpoet db migrate`',
  },
  PGRST202: {
    code: 'DATABASE_NOT_MIGRATED',
    exit: EXIT.error,
    message: 'the API has no leadpoet functions: apply the migrations (supabase db push)',
  },
  PGRST301: {code: 'NOT_AUTHENTICATED', exit: EXIT.unauthorised},
  PGRST302: {code: 'NOT_AUTHENTICATED', exit: EXIT.unauthorised},
  PGRST303: {code: 'NOT_AUTHENTICATED', exit: EXIT.unauthorised},
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '08006',
  '08001',
  // PostgREST cannot reach its database (HTTP 503).
  'PGRST000',
  'PGRST001',
  'PGRST002',
])

export interface DatabaseErrorLike {
  code?: string
  message?: string
  detail?: string
  details?: string
  hint?: string
}

/** One mapping for pg, PGlite and PostgREST errors. */
export function toLeadpoetError(error: unknown): LeadpoetError {
  if (error instanceof LeadpoetError) return error
  const e = (error ?? {}) as DatabaseErrorLike
  const message = e.message ?? String(error)
  const details = e.detail ?? e.details ?? undefined
  const code = typeof e.code === 'string' ? e.code : ''
  const known: KnownError | undefined = FUNCTION_ERRORS[code] ?? PLATFORM_ERRORS[code]
  if (known) {
    return new LeadpoetError(known.code, known.message ?? message, known.exit, {sqlstate: code, ...detailsOf(details)})
  }
  // Class 22 (data exception): a value the database could not take, e.g. a malformed UUID.
  if (code.startsWith('22')) {
    return new LeadpoetError('INVALID_INPUT', message, EXIT.usage, {sqlstate: code})
  }
  // supabase-js reports a network failure as an error without a code.
  if (code === '' && /fetch failed|ECONNREFUSED|ENOTFOUND|network|aborted|timeout/i.test(message)) {
    return new LeadpoetError('DATABASE_UNREACHABLE', `database API unreachable: ${message}`, EXIT.error)
  }
  if (UNREACHABLE.has(code)) {
    return new LeadpoetError('DATABASE_UNREACHABLE', `database unreachable: ${message}`, EXIT.error, {cause: e.code})
  }
  return new LeadpoetError('DATABASE_ERROR', message, EXIT.error, {sqlstate: e.code, details: details || undefined})
}

/** A function's DETAIL: a JSON object (e.g. NOT_ELIGIBLE's figures) is spread into the details; text is kept as text. */
function detailsOf(detail: string | undefined): Record<string, unknown> {
  if (!detail) return {}
  if (detail.startsWith('{')) {
    try {
      return JSON.parse(detail) as Record<string, unknown>
    } catch {
      // not JSON after all: keep it as text
    }
  }
  return {details: detail}
}
