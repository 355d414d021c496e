import {createClient, type SupabaseClient} from '@supabase/supabase-js'
import {EXIT, LeadpoetError} from '../errors.js'

/** A request that gets no answer fails after this long instead of hanging a cron run. */
export const API_TIMEOUT_MS = 120_000

export interface SupabaseApiOptions {
  /** the project URL: it serves PostgREST under /rest/v1 */
  url: string
  /** SUPABASE_KEY, sent as `apikey` */
  apiKey: string
  /** the bearer token of each request (the caller's access token, or the key itself) */
  bearer: () => Promise<string>
  timeoutMs?: number
}

/**
 * supabase-js for one project. The caller's token is set on each request by the transport below, not
 * through supabase-js's `accessToken` option (which also feeds realtime, unused here, and reports a
 * failed token there with a stack); whatever answers that is not the project's PostgREST is named.
 */
export function supabaseApiClient(options: SupabaseApiOptions): SupabaseClient {
  // No generated database types: the client is untyped, the adapter parses results with zod.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return
  return createClient(options.url, options.apiKey, {
    auth: {persistSession: false, autoRefreshToken: false, detectSessionInUrl: false},
    global: {fetch: apiFetch(options)},
  })
}

/**
 * The transport under supabase-js: sets the caller's bearer token (a token that cannot be had fails
 * here, with its own code), and turns answers that are not PostgREST's (a bare PostgREST, a web page,
 * a gateway whose upstream is down, no answer at all) into errors that say what answered.
 * PostgREST's own errors ({code, message, details, hint}) pass through to supabase-js unchanged.
 */
export function apiFetch(options: SupabaseApiOptions): typeof fetch {
  const timeoutMs = options.timeoutMs ?? API_TIMEOUT_MS
  return async (input, init) => {
    const headers = new Headers(init?.headers)
    headers.set('authorization', `Bearer ${await options.bearer()}`)
    const url = new URL(input instanceof Request ? input.url : String(input))
    const where = `${init?.method ?? 'GET'} ${url.pathname}`
    let response: Response
    try {
      response = await fetch(url, {...init, headers, signal: init?.signal ?? AbortSignal.timeout(timeoutMs)})
    } catch (error) {
      const cause = (error as {cause?: {code?: string; message?: string}}).cause
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message)
      throw new LeadpoetError(
        'DATABASE_UNREACHABLE',
        `cannot reach the project's API at ${url.origin} (${where}): ${reason}`,
        EXIT.error,
      )
    }
    const jsonAnswer = /\bjson\b/i.test(response.headers.get('content-type') ?? '')
    if (response.ok && jsonAnswer) return response
    const text = await response.text()
    if (!response.ok && jsonAnswer && isPostgrestError(text)) {
      return new Response(text, {status: response.status, statusText: response.statusText, headers: response.headers})
    }
    if (response.ok && text === '') return new Response(null, {status: response.status, headers: response.headers})
    throw notTheApi(options.url, where, response, text)
  }
}

function isPostgrestError(text: string): boolean {
  try {
    const body = JSON.parse(text) as {code?: unknown; message?: unknown}
    return (
      typeof body === 'object' && body !== null && typeof body.code === 'string' && typeof body.message === 'string'
    )
  } catch {
    return false
  }
}

/** What answered, in one line: status, server, content type and the start of the body. */
function describeAnswer(response: Response, text: string): string {
  const server = response.headers.get('server')
  const type = response.headers.get('content-type')?.split(';')[0]
  const body = text.replace(/\s+/g, ' ').trim().slice(0, 120)
  return [`HTTP ${response.status}`, server && `server ${server}`, type, body && `body ${JSON.stringify(body)}`]
    .filter(Boolean)
    .join(', ')
}

function notTheApi(projectUrl: string, where: string, response: Response, text: string): LeadpoetError {
  const answer = describeAnswer(response, text)
  const served = 'a Supabase project URL serves the database API (PostgREST) under /rest/v1'
  if (/^postgrest\//i.test(response.headers.get('server') ?? '')) {
    return new LeadpoetError(
      'NOT_A_SUPABASE_URL',
      `${projectUrl} is a bare PostgREST (${where} answered ${answer}): ${served}; ` +
        'pass the project URL, or a gateway in front of PostgREST (`leadpoet dev stack` runs one)',
      EXIT.usage,
    )
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    return new LeadpoetError(
      'DATABASE_UNREACHABLE',
      `the project's gateway at ${projectUrl} answered ${where} with ${answer}: the database API behind it is not answering`,
      EXIT.error,
    )
  }
  if (response.status === 401 || response.status === 403) {
    return new LeadpoetError(
      'NOT_AUTHENTICATED',
      `the project's gateway at ${projectUrl} refused ${where} (${answer}): check SUPABASE_KEY`,
      EXIT.unauthorised,
    )
  }
  return new LeadpoetError(
    'NOT_A_SUPABASE_URL',
    `${projectUrl} did not answer as a Supabase project (${where} answered ${answer}): ${served}`,
    EXIT.usage,
  )
}
