import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {DevStackDocument} from '../../src/commands/dev/stack.js'
import {denoBinary} from '../../src/dev/processes.js'
import {createTestDatabase, type TestDatabase} from '../support/postgres.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const denoMissing = (() => {
  try {
    denoBinary()
    return undefined
  } catch (error) {
    return (error as Error).message
  }
})()

const NAME = 'leadpoet dev stack, as a real process'
describe.skipIf(denoMissing)(denoMissing ? `${NAME}: skipped, Deno is not installed (${denoMissing})` : NAME, () => {
  let database: TestDatabase | undefined
  afterAll(async () => {
    await database?.drop()
  })

  it('serves the API, the issuer and the metagraph on one loopback origin, prints them with the keys as one JSON line, and stops its children on SIGINT', async () => {
    database = await createTestDatabase('leadpoet_devstack')
    const child = spawn(process.execPath, [BIN, 'dev', 'stack', '--db', database.url, '--port', '0', '--json'], {
      env: {...process.env, NO_COLOR: '1', LEADPOET_JWT_SECRET: '', LEADPOET_OPERATOR_HOTKEYS: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const document = await new Promise<DevStackDocument>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const line = stdout.split('\n')[0]
        if (!stdout.includes('\n')) return
        try {
          resolve(DevStackDocument.parse(JSON.parse(line!)))
        } catch (error) {
          // an error document is pretty-printed over several lines: report all of it
          reject(new Error(`the first line is not the stack document (${String(error)}): ${stdout}${stderr}`))
        }
      })
      void exited.then((code) => reject(new Error(`dev stack exited with ${code}: ${stderr}`)))
    })
    try {
      for (const url of [document.url, document.postgrest_url, document.function_url])
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(document.rest_url).toBe(`${document.url}/rest/v1`)
      expect(document.issuer_url).toBe(`${document.url}/functions/v1/leadpoet-auth`)
      expect(document.jwt_secret.length).toBeGreaterThanOrEqual(32)

      const whoami = (key: string) =>
        fetch(`${document.rest_url}/rpc/auth_whoami`, {
          method: 'POST',
          headers: {'content-type': 'application/json', apikey: key, authorization: `Bearer ${key}`},
          body: '{}',
        })
      const asService = await whoami(document.service_role_key)
      expect(asService.status).toBe(200)
      expect(await asService.json()).toMatchObject({role: 'service_role'})
      expect((await whoami(document.anon_key)).status).toBe(401) // anon may not call the API's functions

      const issuer = await fetch(document.issuer_url, {method: 'POST', body: '{}'})
      expect(issuer.status).toBe(400)
      expect(await issuer.json()).toMatchObject({error: {code: 'INVALID_REQUEST'}})
      expect(await (await fetch(document.metagraph_url)).json()).toEqual({})
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    for (const url of [document.url, document.postgrest_url, document.function_url])
      await expect(fetch(url)).rejects.toThrow()
  }, 240_000)
})
