import {withChain, type ChainConnection, type WeightsFallback} from '../chain/index.js'
import {EXIT, LeadpoetError} from '../errors.js'
import type {ConsensusService} from '../service/consensus.js'
import type {ConfigFile} from './config.js'

export const DEFAULT_NETUID = 71
export const DEFAULT_NETWORK = 'finney'

export function chainChoice(flags: {'subtensor.network'?: string; netuid?: number}, config: ConfigFile) {
  return {
    network:
      flags['subtensor.network'] ?? process.env.BT_SUBTENSOR_NETWORK ?? config.subtensor?.network ?? DEFAULT_NETWORK,
    netuid: flags.netuid ?? config.netuid ?? DEFAULT_NETUID,
  }
}

/**
 * Connects for one piece of work; every head read is recorded as the database's chain anchor, unless
 * `record` is false (a dry run writes nothing).
 */
export function withChainAnchored<T>(
  network: string,
  service: ConsensusService,
  work: (connection: ChainConnection) => Promise<T>,
  record = true,
): Promise<T> {
  return withChain(
    {
      network,
      onHead: record ? async (head) => void (await service.setChainAnchor(head.block, head.seenAt)) : undefined,
    },
    work,
  )
}

/** `skip`, `subnet_owner` or a uid. */
export function parseFallback(value: string | number | undefined): WeightsFallback {
  if (value === undefined || value === 'skip') return {kind: 'skip'}
  if (value === 'subnet_owner') return {kind: 'subnet_owner'}
  const uid = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(uid) || uid < 0 || uid > 65535) {
    throw new LeadpoetError(
      'INVALID_FLAG',
      `--fallback must be skip, subnet_owner or a uid, not ${JSON.stringify(value)}`,
      EXIT.usage,
    )
  }
  return {kind: 'uid', uid}
}
