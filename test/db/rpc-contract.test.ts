import {readFile} from 'node:fs/promises'
import {PGlite} from '@electric-sql/pglite'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RPC_CONTRACT, RPC_FUNCTIONS, type RpcFunction} from '../../src/adapters/rpc-adapter.js'
import {SqlRpcAdapter} from '../../src/adapters/sql-adapter.js'
import {migrate} from '../../src/db/migrations.js'
import {pgliteClient, type SqlClient} from '../../src/db/sql-client.js'
import {APP_ROLES, type AppRole} from '../../src/identity.js'
import {LeadpoetError} from '../../src/errors.js'
import {hotkeyOf} from '../support/world.js'

// The RPC API is written down once in TypeScript (RPC_CONTRACT); the SQL is the truth. This checks
// that the two say the same: the functions, their argument names, who may execute them, which app
// roles their role check lets in, and the README's table.

let sql: SqlClient
beforeAll(async () => {
  sql = pgliteClient(new PGlite())
  await migrate(sql)
})
afterAll(async () => {
  await sql?.close()
})

interface ProcRow {
  name: string
  args: string[] | null
  public_execute: boolean
  anon: boolean
  authenticated: boolean
  service_role: boolean
}

const procs = () =>
  sql.query<ProcRow>(`
    select p.proname as name, p.proargnames as args,
           coalesce(p.proacl::text like '%{=X/%' or p.proacl::text like '%,=X/%', true) as public_execute,
           has_function_privilege('anon', p.oid, 'execute') as anon,
           has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
           has_function_privilege('service_role', p.oid, 'execute') as service_role
      from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
     order by p.proname`)

describe('the RPC contract', () => {
  it('given the migrated database, then its API functions are exactly the contract, with the same argument names', async () => {
    const rows = await procs()
    expect(rows.map((row) => row.name).sort()).toEqual([...RPC_FUNCTIONS].sort())
    for (const row of rows) {
      expect(row.args ?? [], row.name).toEqual([...RPC_CONTRACT[row.name as RpcFunction].args])
    }
  })

  it('given every API function, then only authenticated and service_role may execute it', async () => {
    for (const row of await procs()) {
      expect({fn: row.name, public: row.public_execute, anon: row.anon}).toEqual({
        fn: row.name,
        public: false,
        anon: false,
      })
      expect({fn: row.name, authenticated: row.authenticated, service_role: row.service_role}).toEqual({
        fn: row.name,
        authenticated: true,
        service_role: true,
      })
    }
  })

  it('given the engine schema, then none of its helpers is executable by an API role', async () => {
    const open = await sql.query<{name: string}>(`
      select p.proname as name from pg_catalog.pg_proc p
       where p.pronamespace = 'leadpoet'::regnamespace
         and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))`)
    expect(open).toEqual([])
  })

  it.each(RPC_FUNCTIONS)(
    'given a call of %s as each app role, then exactly the contract roles get past its role check',
    async (fn) => {
      const args = Object.fromEntries(RPC_CONTRACT[fn].args.map((name) => [name, null]))
      const passed: AppRole[] = []
      for (const role of APP_ROLES) {
        // Inside a transaction that is rolled back: the call may change nothing for the next role.
        const outcome = await sql
          .transaction(async (tx) => {
            const inner = new SqlRpcAdapter(tx, {hotkey: hotkeyOf(`contract-${role}`), role}, false)
            const result = await inner.rpc(fn, args).then(
              () => 'ok',
              (error: unknown) => (error instanceof LeadpoetError ? error.code : String(error)),
            )
            throw new RolledBack(result)
          })
          .catch((error: unknown) => (error instanceof RolledBack ? error.outcome : String(error)))
        if (outcome !== 'FORBIDDEN' && outcome !== 'NOT_AUTHENTICATED') passed.push(role)
      }
      expect(passed).toEqual([...RPC_CONTRACT[fn].roles])
    },
  )

  it("given the README's function table, then it lists every function once with the contract's roles", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const rows = [...readme.matchAll(/^\| `(\w+)\(([^)]*)\)` \| ([^|]+) \|/gm)].map((match) => ({
      fn: match[1]!,
      args: match[2]!
        .split(',')
        .map((arg) => arg.trim())
        .filter(Boolean),
      roles: match[3]!.split(',').map((role) => role.trim()),
    }))
    expect(rows.map((row) => row.fn).sort()).toEqual([...RPC_FUNCTIONS].sort())
    for (const row of rows) {
      const contract = RPC_CONTRACT[row.fn as RpcFunction]
      expect({fn: row.fn, args: row.args, roles: row.roles}).toEqual({
        fn: row.fn,
        args: [...contract.args],
        roles: [...contract.roles],
      })
    }
  })
})

class RolledBack extends Error {
  constructor(readonly outcome: string) {
    super('rolled back')
  }
}
