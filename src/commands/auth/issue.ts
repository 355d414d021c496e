import {Flags} from '@oclif/core'
import {
  AUTH_ROLES,
  authRpcOverAdapter,
  chainRoleResolver,
  createTokenIssuer,
  fileRoleResolver,
  type IssuedToken,
  rpcNonceRegistry,
  signingKeyFrom,
  toAuthLeadpoetError,
} from '../../auth/index.js'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {issuerFlags} from '../../cli/issuer-flags.js'
import {chainChoice} from '../../cli/chain.js'
import {chainFlags} from '../../cli/flags.js'
import {EXIT, LeadpoetError} from '../../errors.js'
import {z} from 'zod'

/** The record `--json` prints: the token and its claims. */
export const IssuedTokenDocument = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    jti: z.string(),
    hotkey: z.string(),
    app_role: z.enum(AUTH_ROLES),
    uid: z.number().int().nullable(),
    issued_at: z.string(),
    expires_at: z.string(),
    expires_in: z.number().int(),
  })
  .loose()

export default class AuthIssue extends LeadpoetCommand {
  static override resultSchema = IssuedTokenDocument
  static override summary =
    'Mint an access token yourself (operator): from a signed challenge, or for a hotkey and role.'
  static override description =
    'The signing key comes from the environment, never from a flag: LEADPOET_JWT_SIGNING_KEY (an ES256 ' +
    "private JWK) or LEADPOET_JWT_SECRET (the project's JWT secret, HS256).\n" +
    "With --challenge and --signature it applies the issuer's checks (signature, clock, one use per " +
    'nonce, role on the metagraph: --metagraph FILE, else the chain); the nonce is recorded in --db. With ' +
    "--hotkey and --role it mints without checks, for the operator's own use.\n" +
    'Prints the token alone (or the whole record with --json).'
  static override examples = [
    '<%= config.bin %> auth issue --hotkey 5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX --role operator',
    '<%= config.bin %> auth issue --challenge "leadpoet-auth:5F3s…:1764000000:9f2c…" --signature 0x… --metagraph metagraph.json --db postgres://...',
  ]
  static override flags = {
    challenge: Flags.string({
      description: 'a signed challenge: leadpoet-auth:{hotkey}:{timestamp}:{nonce}',
      dependsOn: ['signature'],
      exclusive: ['hotkey'],
    }),
    signature: Flags.string({
      description: "the hotkey's sr25519 signature of the challenge (0x hex)",
      dependsOn: ['challenge'],
    }),
    hotkey: Flags.string({description: 'mint for this hotkey (SS58) without a challenge', dependsOn: ['role']}),
    role: Flags.string({
      description: 'the role of the token minted with --hotkey',
      options: [...AUTH_ROLES],
      dependsOn: ['hotkey'],
    }),
    uid: Flags.integer({
      description: 'the uid claim of the token minted with --hotkey',
      min: 0,
      max: 65535,
      dependsOn: ['hotkey'],
    }),
    metagraph: Flags.string({
      description: 'roles from this metagraph file ({hotkey: {uid, validator_permit}}) instead of the chain',
    }),
    ...issuerFlags('a hotkey that gets the operator role (repeatable)'),
    ...chainFlags,
  }

  async run(): Promise<IssuedToken> {
    const {flags} = await this.parse(AuthIssue)
    if (!flags.challenge && !flags.hotkey) {
      throw new LeadpoetError('INVALID_FLAG', 'pass --challenge and --signature, or --hotkey and --role', EXIT.usage)
    }
    let signingKey
    try {
      signingKey = signingKeyFrom({secret: process.env.LEADPOET_JWT_SECRET, jwk: process.env.LEADPOET_JWT_SIGNING_KEY})
    } catch (error) {
      throw new LeadpoetError(
        'NO_SIGNING_KEY',
        `${toAuthLeadpoetError(error).message} (LEADPOET_JWT_SECRET or LEADPOET_JWT_SIGNING_KEY)`,
        EXIT.usage,
      )
    }
    const {network, netuid} = chainChoice(flags, this.appConfig)
    // The nonce registry is the database's: opened only when a challenge needs it.
    const nonces = rpcNonceRegistry(async (fn, args) =>
      authRpcOverAdapter((await this.openSession('operator', flags)).service.adapter)(fn, args),
    )
    const issuer = createTokenIssuer({
      signingKey,
      nonces,
      roles: flags.metagraph ? fileRoleResolver(flags.metagraph) : chainRoleResolver({network, netuid}),
      operators: flags.operator,
      ttlSeconds: flags.ttl,
    })
    const token = await (
      flags.challenge
        ? issuer.issueForChallenge({challenge: flags.challenge, signature: flags.signature!})
        : issuer.issueFor({
            hotkey: flags.hotkey!,
            app_role: flags.role as IssuedToken['app_role'],
            uid: flags.uid ?? null,
          })
    ).catch((error: unknown) => Promise.reject(toAuthLeadpoetError(error)))
    this.log(token.access_token)
    return token
  }
}
