import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {supabaseApiClient} from '../../src/adapters/supabase-api.js'
import {SupabaseRpcAdapter} from '../../src/adapters/supabase-adapter.js'
import {freePort} from '../../src/dev/processes.js'
import {EXIT, LeadpoetError} from '../../src/errors.js'
import {serveHandler, type HttpServer} from '../auth/support.js'

// What the CLI's transport to a project makes of each kind of answer (a loopback server plays each).
describe('the Supabase API transport', () => {
  let server: HttpServer
  let answer: () => Response
  const seen: {authorization: string | null; apikey: string | null; path: string}[] = []

  beforeAll(async () => {
    server = await serveHandler(async (request) => {
      seen.push({
        authorization: request.headers.get('authorization'),
        apikey: request.headers.get('apikey'),
        path: new URL(request.url).pathname,
      })
      return answer()
    })
  })
  afterAll(async () => {
    await server?.close()
  })

  const call = async (bearer: () => Promise<string> = async () => 'the-token', url = server.url) =>
    new SupabaseRpcAdapter(supabaseApiClient({url, apiKey: 'the-key', bearer})).rpc('consensus_clock').then(
      (data): {data?: unknown; error?: LeadpoetError} => ({data}),
      (error: LeadpoetError) => ({error}),
    )

  it("given a PostgREST answer, then the data comes back, sent with the caller's token and the key", async () => {
    answer = () => Response.json({epoch: 3})
    expect(await call()).toEqual({data: {epoch: 3}})
    expect(seen.at(-1)).toEqual({
      authorization: 'Bearer the-token',
      apikey: 'the-key',
      path: '/rest/v1/rpc/consensus_clock',
    })
  })

  it("given a PostgREST error, then it is mapped by its code (here the database's LP403)", async () => {
    answer = () =>
      Response.json(
        {code: 'LP403', message: 'forbidden: the caller is miner', details: null, hint: null},
        {status: 403},
      )
    expect((await call()).error).toMatchObject({code: 'FORBIDDEN', exitCode: EXIT.unauthorised})
  })

  it.each([
    {
      what: 'a web page',
      response: () => new Response('<html>hello</html>', {status: 200, headers: {'content-type': 'text/html'}}),
      code: 'NOT_A_SUPABASE_URL',
      message:
        /did not answer as a Supabase project \(POST \/rest\/v1\/rpc\/\w+ answered HTTP 200, text\/html, body "<html>hello<\/html>"\)/,
    },
    {
      what: 'a 404 with an empty body (which supabase-js would take for success)',
      response: () => new Response(null, {status: 404}),
      code: 'NOT_A_SUPABASE_URL',
      message: /answered HTTP 404\): a Supabase project URL serves the database API \(PostgREST\) under \/rest\/v1/,
    },
    {
      what: 'a gateway refusing the key',
      response: () => Response.json({message: 'Invalid API key'}, {status: 401}),
      code: 'NOT_AUTHENTICATED',
      message: /refused POST \/rest\/v1\/rpc\/consensus_clock \(HTTP 401, .*Invalid API key.*\): check SUPABASE_KEY/,
    },
    {
      what: 'a gateway whose PostgREST is down',
      response: () => Response.json({message: 'upstream not answering'}, {status: 503}),
      code: 'DATABASE_UNREACHABLE',
      message:
        /answered POST \/rest\/v1\/rpc\/consensus_clock with HTTP 503, .*: the database API behind it is not answering/,
    },
  ])('given $what, then $code, in one line with no details', async ({response, code, message}) => {
    answer = response
    const {error} = (await call()) as {error: LeadpoetError}
    expect(error).toBeInstanceOf(LeadpoetError)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain('\n')
    expect(error.details).toBeUndefined()
  })

  it('given nothing listening, then DATABASE_UNREACHABLE naming the cause', async () => {
    const {error} = (await call(undefined, `http://127.0.0.1:${await freePort()}`)) as {error: LeadpoetError}
    expect(error).toMatchObject({code: 'DATABASE_UNREACHABLE', exitCode: EXIT.error})
    expect(error.message).toMatch(
      /cannot reach the project's API at http:\/\/127\.0\.0\.1:\d+ \(POST \/rest\/v1\/rpc\/consensus_clock\): ECONNREFUSED/,
    )
  })

  it('given a token that cannot be had, then its own error comes through unchanged, and no request is made', async () => {
    const before = seen.length
    const refusal = new LeadpoetError(
      'ISSUER_UNREACHABLE',
      'cannot reach the token issuer at http://x: ECONNREFUSED',
      EXIT.error,
    )
    const {error} = (await call(async () => Promise.reject(refusal))) as {error: LeadpoetError}
    expect(error).toBe(refusal)
    expect(seen.length).toBe(before)
  })
})
