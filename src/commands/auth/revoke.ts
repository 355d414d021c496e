import {Args, Flags} from '@oclif/core'
import {z} from 'zod'
import {
  authRpcOverAdapter,
  liftRevocation,
  LiftedRevocation,
  parseRevocationTarget,
  revokeAccess,
  Revocation,
} from '../../auth/index.js'
import {LeadpoetCommand} from '../../cli/base-command.js'

export default class AuthRevoke extends LeadpoetCommand {
  static override resultSchema = z.union([Revocation, LiftedRevocation])
  static override summary = 'Revoke one token (by its jti) or every token of a hotkey, effective on the next request.'
  static override description =
    `The API checks revocations on every request (PostgREST's pre-request function), ` +
    `so a revoked token stops working at once. ` +
    `A revoked hotkey also cannot log in again until the revocation is lifted (--lift). Operator only: ` +
    `a Supabase project URL needs the service-role key in SUPABASE_KEY.`
  static override examples = [
    '<%= config.bin %> auth revoke 5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX --reason "key leaked" --db https://PROJECT.supabase.co',
    '<%= config.bin %> auth revoke 0b8f9c1e-6a55-4c1e-9a53-8f1d2f0f6a01 --db postgres://...',
    '<%= config.bin %> auth revoke 5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX --lift',
  ]
  static override args = {
    target: Args.string({description: 'a hotkey (SS58 address) or a token id (jti, a UUID)', required: true}),
  }
  static override flags = {
    reason: Flags.string({description: 'why, kept with the revocation'}),
    lift: Flags.boolean({description: 'lift the revocation instead', default: false}),
  }

  async run(): Promise<Revocation | LiftedRevocation> {
    const {args, flags} = await this.parse(AuthRevoke)
    const target = parseRevocationTarget(args.target)
    const session = await this.openSession('operator', flags)
    const rpc = authRpcOverAdapter(session.service.adapter)
    if (flags.lift) {
      const lifted = await liftRevocation(rpc, target)
      this.log(
        lifted.lifted
          ? `Lifted the revocation of ${target.kind} ${target.subject}.`
          : `${target.kind} ${target.subject} was not revoked.`,
      )
      return lifted
    }
    const revocation = await revokeAccess(rpc, target, flags.reason)
    this.log(
      revocation.already_revoked
        ? `${target.kind} ${target.subject} was already revoked (at ${revocation.revoked_at} by ${revocation.revoked_by}).`
        : `Revoked ${target.kind === 'jti' ? 'token' : 'every token of hotkey'} ${target.subject}.`,
    )
    return revocation
  }
}
