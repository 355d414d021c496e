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
