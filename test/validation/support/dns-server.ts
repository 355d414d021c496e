/**
 * A small authoritative DNS server on 127.0.0.1 speaking the real wire protocol over UDP, so the
 * validator's c-ares Resolver is exercised exactly as against a real server.
 */
import {createSocket, type RemoteInfo} from 'node:dgram'
import * as dnsPacket from 'dns-packet'

export interface DnsRecords {
  /** MX records; "null" publishes the RFC 7505 null MX ("."). */
  mx?: Array<{exchange: string; priority: number}> | 'null'
  a?: string[]
  aaaa?: string[]
}

/** How the server treats a name: records (an empty object gives NODATA), or a failure. */
export type DnsBehaviour = DnsRecords | 'nxdomain' | 'servfail' | 'drop'

export interface LoopbackDns {
  /** "127.0.0.1:PORT", for NetworkSettings.dnsServers. */
  server: string
  queries: Array<{name: string; type: string}>
  /** Most queries the server held unanswered at once. */
  maxInFlight: number
  close(): Promise<void>
}

const NXDOMAIN = 3
const SERVFAIL = 2

/** Names not in `zone` (and not answered by a function zone) get NXDOMAIN. */
export async function startDnsServer(
  zone: Record<string, DnsBehaviour> | ((name: string) => DnsBehaviour | undefined),
  options: {delayMs?: number} = {},
): Promise<LoopbackDns> {
  const socket = createSocket('udp4')
  const lookup = typeof zone === 'function' ? zone : (name: string) => zone[name]
  const timers = new Set<NodeJS.Timeout>()
  let inFlight = 0
  const state: LoopbackDns = {
    server: '',
    queries: [],
    maxInFlight: 0,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    },
  }

  function answer(query: dnsPacket.DecodedPacket): Buffer | undefined {
    const question = query.questions?.[0]
    if (!question) return undefined
    const behaviour = lookup(question.name.toLowerCase())
    state.queries.push({name: question.name.toLowerCase(), type: question.type})
    if (behaviour === 'drop') return undefined
    let rcode = 0
    const answers: dnsPacket.Answer[] = []
    if (behaviour === undefined || behaviour === 'nxdomain') rcode = NXDOMAIN
    else if (behaviour === 'servfail') rcode = SERVFAIL
    else if (question.type === 'MX' && behaviour.mx !== undefined) {
      const records = behaviour.mx === 'null' ? [{exchange: '.', priority: 0}] : behaviour.mx
      for (const record of records)
        answers.push({
          type: 'MX',
          name: question.name,
          ttl: 0,
          data: {exchange: record.exchange, preference: record.priority},
        })
    } else if (question.type === 'A') {
      for (const address of behaviour.a ?? []) answers.push({type: 'A', name: question.name, ttl: 0, data: address})
    } else if (question.type === 'AAAA') {
      for (const address of behaviour.aaaa ?? [])
        answers.push({type: 'AAAA', name: question.name, ttl: 0, data: address})
    }
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: query.questions ?? [],
      answers,
    })
  }

  socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    let query: dnsPacket.DecodedPacket
    try {
      query = dnsPacket.decode(message)
    } catch {
      return
    }
    const response = answer(query)
    if (response === undefined) return
    const send = () => socket.send(response, remote.port, remote.address)
    if (!options.delayMs) return send()
    inFlight++
    state.maxInFlight = Math.max(state.maxInFlight, inFlight)
    const timer = setTimeout(() => {
      timers.delete(timer)
      inFlight--
      send()
    }, options.delayMs)
    timers.add(timer)
  })

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => resolve())
  })
  state.server = `127.0.0.1:${socket.address().port}`
  return state
}
