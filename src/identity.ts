// No @polkadot here: every command that opens a session imports this file, and the chain code costs
// a second and 150 MB at start-up. SS58 checks live in hotkey-address.ts, loaded when needed.

/** Who is calling: the claims a JWT carries (PostgREST) or a direct adapter sets for its session. */
export const APP_ROLES = ['miner', 'validator', 'operator'] as const
export type AppRole = (typeof APP_ROLES)[number]

export interface Identity {
  /** an SS58 address; null only for the database owner acting as the operator (no hotkey of ours) */
  hotkey: string | null
  role: AppRole
}

/** A direct connection's owner acting as the operator without a hotkey, as the service-role key does. */
export const DATABASE_OWNER: Identity = {hotkey: null, role: 'operator'}

/** The request.jwt.claims the database functions read: the same shape for every adapter. */
export function requestClaims(identity: Identity): Record<string, string> {
  if (identity.hotkey === null) return {role: 'service_role'}
  return {role: 'authenticated', hotkey: identity.hotkey, app_role: identity.role}
}

/** How an identity is named in output and in run-lock scopes. */
export function describeIdentity(identity: Identity): string {
  return identity.hotkey ?? 'the database owner'
}
