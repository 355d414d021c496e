/** Who is calling: the claims a JWT carries (PostgREST) or a direct adapter sets for its session. */
export const APP_ROLES = ['miner', 'validator', 'operator'] as const
export type AppRole = (typeof APP_ROLES)[number]

export interface Identity {
  hotkey: string
  role: AppRole
}

/** The request.jwt.claims the database functions read: the same shape for every adapter. */
export function requestClaims(identity: Identity): Record<string, string> {
  return {role: 'authenticated', hotkey: identity.hotkey, app_role: identity.role}
}
