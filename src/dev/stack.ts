import {randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {SignJWT} from 'jose'
import {ISSUER_ENV, ISSUER_FUNCTION_PATH, readMetagraphFile, toAuthLeadpoetError} from '../auth/index.js'
import {ensureApiRoles, revocationCheckOn} from '../db/api-roles.js'
import {migrate, SUPABASE_DIR} from '../db/migrations.js'
import {createPostgresPool, postgresClient} from '../db/sql-client.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {toLeadpoetError} from '../adapters/errors.js'
import {startGateway, type Gateway} from './gateway.js'
import {
  denoBinary,
  freePort,
  postgrestBinary,
  startProcess,
  waitUntilServing,
  type ManagedProcess,
} from './processes.js'

/** Where the gateway serves the metagraph document, as Supabase Storage serves a public object. */
export const METAGRAPH_PATH = '/storage/v1/object/public/leadpoet/metagraph.json'
/** Supabase's own API port. */
export const DEFAULT_STACK_PORT = 54321
const FUNCTION_DIR = path.join(SUPABASE_DIR, 'functions', 'leadpoet-auth')
/** The Edge Function's first start fetches its npm packages (about 50) into Deno's cache. */
const FUNCTION_START_TIMEOUT_MS = 180_000
const POSTGREST_START_TIMEOUT_MS = 30_000

export interface StackOptions {
  /** a Postgres URL with the rights to create roles: the stack creates the API roles and migrates */
  databaseUrl: string
  /** the gateway's port on 127.0.0.1 (0: any free port) */
  port?: number
  /** the JWT secret PostgREST checks and the issuer signs with (at least 32 characters); default random */
  jwtSecret?: string
  /** the metagraph document the issuer reads roles from ({hotkey: {uid, validator_permit}}) */
  metagraphFile?: string
  /** hotkeys the issuer gives the operator role */
  operators?: readonly string[]
  tokenTtlSeconds?: number
  /** the `authenticator` role's password, where the server asks for one */
  authenticatorPassword?: string
  /** the children's output, line by line */
  log?: (line: string) => void
  /** stops a start in progress (Ctrl-C): what was started is stopped again */
  signal?: AbortSignal
}

/** One of the stack's services, which a test (or an operator trying failures) may stop and start again. */
export interface StackService {
  url: string
  running(): boolean
  stop(): Promise<void>
}

export interface Stack {
  /** the project URL to give the CLI (--db / LEADPOET_DB) */
  url: string
  anonKey: string
  serviceRoleKey: string
  jwtSecret: string
  restUrl: string
  issuerUrl: string
  metagraphUrl: string
  postgrest: StackService & {start(options?: {jwtSecret?: string}): Promise<void>}
  edgeFunction: StackService & {start(options?: {env?: Record<string, string>}): Promise<void>}
  stop(): Promise<void>
}

/**
 * A Supabase project's API path on loopback, with no Docker and no hosted project: PostgREST (the npm
 * binary) in front of the database, the leadpoet-auth Edge Function under real Deno, and a gateway
 * serving both (and the metagraph document) on one origin. The database gets the API roles and the
 * migrations first, in that order (docs/auth.md, self-hosting).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const postgrest = postgrestBinary()
  const deno = denoBinary()
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url')
  if (jwtSecret.length < 32) {
    throw new LeadpoetError('INVALID_SECRET', 'the JWT secret must be at least 32 characters', EXIT.usage)
  }
  // A metagraph the issuer could not read would refuse every login later: say so now.
  if (options.metagraphFile)
    await readMetagraphFile(options.metagraphFile).catch((e: unknown) => Promise.reject(toAuthLeadpoetError(e)))
  await prepareDatabase(options.databaseUrl)

  const key = (role: string) =>
    new SignJWT({role, iss: 'leadpoet-dev-stack'})
      .setProtectedHeader({alg: 'HS256', typ: 'JWT'})
      .setIssuedAt()
      .setExpirationTime('10y')
      .sign(new TextEncoder().encode(jwtSecret))
  const [anonKey, serviceRoleKey] = await Promise.all([key('anon'), key('service_role')])

  const dir = await mkdtemp(path.join(tmpdir(), 'leadpoet-stack-'))
  const [postgrestPort, functionPort] = [await freePort(), await freePort()]
  const postgrestUrl = `http://127.0.0.1:${postgrestPort}`
  const functionUrl = `http://127.0.0.1:${functionPort}`
  const metagraphFile = options.metagraphFile ?? path.join(dir, 'metagraph.json')
  if (!options.metagraphFile) await writeFile(metagraphFile, '{}\n')
  let gateway: Gateway | undefined
  let postgrestProcess: ManagedProcess | undefined
  let functionProcess: ManagedProcess | undefined

  const stop = async () => {
    await functionProcess?.stop()
    await postgrestProcess?.stop()
    await gateway?.close()
    await rm(dir, {recursive: true, force: true})
  }

  try {
    gateway = await startGateway({
      port: options.port ?? DEFAULT_STACK_PORT,
      routes: {
        rest: postgrestUrl,
        functions: {'leadpoet-auth': functionUrl},
        files: {[METAGRAPH_PATH]: metagraphFile},
      },
    })
    const url = gateway.url

    const startPostgrest = async (start: {jwtSecret?: string} = {}) => {
      await postgrestProcess?.stop()
      const config = path.join(dir, 'postgrest.conf')
      await writeFile(config, postgrestConfig(options, postgrestPort, start.jwtSecret ?? jwtSecret), {mode: 0o600})
      postgrestProcess = startProcess('postgrest', postgrest, [config], {
        env: {PATH: process.env.PATH},
        log: options.log,
      })
      await waitUntilServing(
        'PostgREST',
        postgrestProcess,
        async () => (await fetch(`${postgrestUrl}/`)).status === 200,
        POSTGREST_START_TIMEOUT_MS,
        options.signal,
      )
    }

    const functionEnv: Record<string, string> = {
      [ISSUER_ENV.jwtSecret]: jwtSecret,
      [ISSUER_ENV.supabaseUrl]: url,
      [ISSUER_ENV.serviceRoleKey]: serviceRoleKey,
      [ISSUER_ENV.metagraphUrl]: `${url}${METAGRAPH_PATH}`,
      [ISSUER_ENV.metagraphMaxAge]: '5',
      [ISSUER_ENV.operators]: (options.operators ?? []).join(','),
      [ISSUER_ENV.ttl]: String(options.tokenTtlSeconds ?? 3600),
    }
    const startFunction = async (start: {env?: Record<string, string>} = {}) => {
      await functionProcess?.stop()
      functionProcess = startProcess(
        'leadpoet-auth',
        deno,
        ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env', '--config', 'deno.json', 'index.ts'],
        {
          cwd: FUNCTION_DIR,
          // Deno's own variables (cache location) and the function's; nothing else of ours.
          env: {
            ...denoEnvironment(),
            ...functionEnv,
            ...start.env,
            // Deno.serve listens here (Deno's variable; unset it listens on 0.0.0.0:8000).
            DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${functionPort}`,
          },
          log: options.log,
        },
      )
      // Any answer from the function itself (405 to a GET) means it serves.
      await waitUntilServing(
        'the leadpoet-auth Edge Function (Deno)',
        functionProcess,
        async () => (await fetch(functionUrl)).status === 405,
        FUNCTION_START_TIMEOUT_MS,
        options.signal,
      )
    }

    await startPostgrest()
    await startFunction()
    const service = (serviceUrl: string, current: () => ManagedProcess | undefined) => ({
      url: serviceUrl,
      running: () => {
        const child = current()?.child
        return child !== undefined && child.exitCode === null && child.signalCode === null
      },
      stop: async () => current()?.stop(),
    })
    return {
      url,
      anonKey,
      serviceRoleKey,
      jwtSecret,
      restUrl: `${url}/rest/v1`,
      issuerUrl: `${url}${ISSUER_FUNCTION_PATH}`,
      metagraphUrl: `${url}${METAGRAPH_PATH}`,
      postgrest: {...service(postgrestUrl, () => postgrestProcess), start: startPostgrest},
      edgeFunction: {...service(functionUrl, () => functionProcess), start: startFunction},
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** The API roles, then the migrations, then a check that revocation is on (it is off if they ran the other way). */
async function prepareDatabase(databaseUrl: string): Promise<void> {
  const sql = postgresClient(createPostgresPool(databaseUrl, 2))
  try {
    try {
      await sql.query('select 1')
    } catch (error) {
      throw toLeadpoetError(error)
    }
    await ensureApiRoles(sql)
    await migrate(sql)
    if (!(await revocationCheckOn(sql))) {
      throw new LeadpoetError(
        'REVOCATION_CHECK_OFF',
        'this database was migrated before the authenticator role existed, so PostgREST would not check ' +
          "revocations: run `alter role authenticator in database <db> set pgrst.db_pre_request = 'leadpoet_hooks.pre_request'` " +
          '(or roll back and migrate again)',
        EXIT.error,
      )
    }
  } finally {
    await sql.close()
  }
}

/** PostgREST as a self-hosted project configures it (docs/auth.md, self-hosting). */
function postgrestConfig(options: StackOptions, port: number, jwtSecret: string): string {
  const db = new URL(options.databaseUrl)
  db.username = 'authenticator'
  db.password = options.authenticatorPassword ?? ''
  return [
    `db-uri = "${db.toString()}"`,
    'db-schemas = "public"',
    'db-anon-role = "anon"',
    // In-database configuration: the auth migration sets db-pre-request (the revocation check) there.
    'db-config = true',
    'db-pool = 10',
    `jwt-secret = "${jwtSecret}"`,
    'server-host = "127.0.0.1"',
    `server-port = ${port}`,
    'log-level = "error"',
    '',
  ].join('\n')
}

function denoEnvironment(): Record<string, string> {
  const names = [
    'PATH',
    'HOME',
    'DENO_DIR',
    'XDG_CACHE_HOME',
    'NPM_CONFIG_REGISTRY',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'DENO_CERT',
    'DENO_TLS_CA_STORE',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
  ]
  // Deno trusts only its bundled roots unless told otherwise; Node here trusts the system's too
  // (NODE_EXTRA_CA_CERTS), and a registry behind a TLS-inspecting proxy needs them for the npm fetch.
  const env: Record<string, string> = {NO_COLOR: '1', DENO_TLS_CA_STORE: 'system,mozilla'}
  for (const name of names) if (process.env[name]) env[name] = process.env[name]!
  return env
}
