import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'
import type {RpcAdapter} from '../adapters/rpc-adapter.js'
import {parseRpcResult} from '../service/rpc-call.js'
import {isHotkeyAddress, type AuthRpc} from './core.js'

/**
 * The auth functions through an adapter (direct Postgres, PGlite, or supabase-js with the
 * service-role key), called as the adapter's identity, which must be the operator's.
 */
export function authRpcOverAdapter(adapter: RpcAdapter): AuthRpc {
  return (fn, args) => adapter.rpc(fn, args)
}

export type RevocationKind = 'jti' | 'hotkey'

export interface RevocationTarget {
  kind: RevocationKind
  subject: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A token id (the jti, a UUID) or a hotkey (SS58): the two never look alike. */
export function parseRevocationTarget(text: string): RevocationTarget {
  if (UUID.test(text)) return {kind: 'jti', subject: text.toLowerCase()}
  if (isHotkeyAddress(text)) return {kind: 'hotkey', subject: text}
  throw new LeadpoetError(
    'INVALID_INPUT',
    `${JSON.stringify(text.slice(0, 80))} is neither a token id (jti, a UUID) nor a hotkey (SS58 address)`,
    EXIT.usage,
  )
}

export const Revocation = z.object({
  kind: z.enum(['jti', 'hotkey']),
  subject: z.string(),
  reason: z.string().nullable(),
  revoked_by: z.string(),
  revoked_at: z.string(),
  already_revoked: z.boolean(),
})
export type Revocation = z.infer<typeof Revocation>

export const LiftedRevocation = z.object({kind: z.enum(['jti', 'hotkey']), subject: z.string(), lifted: z.boolean()})
export type LiftedRevocation = z.infer<typeof LiftedRevocation>

/** Revokes a token (jti) or every token of a hotkey, effective on the next request, until lifted. */
export async function revokeAccess(rpc: AuthRpc, target: RevocationTarget, reason?: string): Promise<Revocation> {
  return parseRpcResult(
    'auth_revoke',
    Revocation,
    await rpc('auth_revoke', {p_kind: target.kind, p_subject: target.subject, p_reason: reason ?? null}),
  )
}

export async function liftRevocation(rpc: AuthRpc, target: RevocationTarget): Promise<LiftedRevocation> {
  return parseRpcResult(
    'auth_lift_revocation',
    LiftedRevocation,
    await rpc('auth_lift_revocation', {p_kind: target.kind, p_subject: target.subject}),
  )
}

/** What the database sees of a request (auth_whoami): the role PostgREST switched to and the claims. */
export const DatabaseIdentity = z.object({
  role: z.string(),
  hotkey: z.string().nullable(),
  app_role: z.string().nullable(),
  uid: z.number().int().nullable(),
  jti: z.string().nullable(),
})
export type DatabaseIdentity = z.infer<typeof DatabaseIdentity>

export async function databaseIdentity(rpc: AuthRpc): Promise<DatabaseIdentity> {
  return parseRpcResult('auth_whoami', DatabaseIdentity, await rpc('auth_whoami', {}))
}

/**
 * `auth login`'s proof: one call through the project's API with the token just issued. The database
 * must see it as the issuer meant it (role authenticated, its hotkey, app_role and jti); an API that
 * refuses it (PostgREST checking another secret or key) fails with TOKEN_NOT_ACCEPTED.
 */
export async function proveToken(
  rpc: AuthRpc,
  token: {hotkey: string; app_role: string; jti: string},
): Promise<DatabaseIdentity> {
  let seen: DatabaseIdentity
  try {
    seen = await databaseIdentity(rpc)
  } catch (error) {
    const sqlstate = (error as LeadpoetError).details as {sqlstate?: string} | undefined
    if (
      error instanceof LeadpoetError &&
      error.code === 'NOT_AUTHENTICATED' &&
      sqlstate?.sqlstate?.startsWith('PGRST30')
    ) {
      throw new LeadpoetError(
        'TOKEN_NOT_ACCEPTED',
        `the project's API refuses the token the issuer just gave (${sqlstate.sqlstate}: ${error.message}): ` +
          'the issuer signs with another key than the API checks; LEADPOET_JWT_SECRET (or LEADPOET_JWT_SIGNING_KEY) ' +
          "must be the project's JWT secret (key)",
        EXIT.error,
      )
    }
    throw error
  }
  if (
    seen.role !== 'authenticated' ||
    seen.hotkey !== token.hotkey ||
    seen.app_role !== token.app_role ||
    seen.jti !== token.jti
  ) {
    throw new LeadpoetError(
      'IDENTITY_MISMATCH',
      `the database sees this token as role ${seen.role}, hotkey ${seen.hotkey ?? '-'}, app_role ${seen.app_role ?? '-'}, ` +
        `not as the issuer gave it (authenticated, ${token.hotkey}, ${token.app_role})`,
      EXIT.error,
      {seen},
    )
  }
  return seen
}
