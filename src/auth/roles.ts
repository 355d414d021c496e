import {readFile} from 'node:fs/promises'
import {
  type ChainConnection,
  type ChainDeadlines,
  connectChain,
  type ConnectOptions,
  readHotkeyOwners,
  readSubnet,
  type SubnetSnapshot,
} from '../chain/index.js'
import {
  AuthError,
  documentRoleResolver,
  type MetagraphDocument,
  parseMetagraphDocument,
  type RoleResolver,
} from './core.js'

/** The metagraph as the resolvers read it, from a chain snapshot: every uid's hotkey and permit. */
export function metagraphDocumentOf(snapshot: SubnetSnapshot): MetagraphDocument {
  return parseMetagraphDocument(
    Object.fromEntries(
      snapshot.hotkeys.map((hotkey, uid) => [hotkey, {uid, validator_permit: snapshot.validatorPermit[uid] === true}]),
    ),
  )
}

export interface ChainMetagraphOptions {
  /** finney, test, local or a ws(s):// endpoint */
  network: string
  netuid: number
  deadlines?: Partial<ChainDeadlines>
  /** an in-process provider instead of a WebSocket (offline node, tests) */
  provider?: ConnectOptions['provider']
}

/** Reads the subnet's metagraph from the chain, at its newest block. */
export async function readMetagraphFromChain(options: ChainMetagraphOptions): Promise<MetagraphDocument> {
  return atNewestBlock(options, async (_, snapshot) => metagraphDocumentOf(snapshot))
}

/**
 * The metagraph and each hotkey's coldkey, read at one block: what `auth metagraph --record-owners`
 * publishes and records.
 */
export async function readMetagraphWithOwners(
  options: ChainMetagraphOptions,
): Promise<{document: MetagraphDocument; owners: Record<string, string>}> {
  return atNewestBlock(options, async (connection, snapshot) => ({
    document: metagraphDocumentOf(snapshot),
    owners: await readHotkeyOwners(connection, snapshot),
  }))
}

async function atNewestBlock<T>(
  options: ChainMetagraphOptions,
  read: (connection: ChainConnection, snapshot: SubnetSnapshot) => Promise<T>,
): Promise<T> {
  const connection = await connectChain({
    network: options.network,
    provider: options.provider,
    deadlines: options.deadlines,
  })
  try {
    return await read(connection, await readSubnet(connection, options.netuid, await connection.readHead()))
  } finally {
    await connection.close()
  }
}

/** Roles from the chain, read once per resolver (a command's run) at the first lookup. */
export function chainRoleResolver(options: ChainMetagraphOptions): RoleResolver {
  let document: Promise<MetagraphDocument> | undefined
  return {
    async resolve(hotkey) {
      document ??= readMetagraphFromChain(options)
      return documentRoleResolver(await document).resolve(hotkey)
    },
  }
}

/** A metagraph document from a JSON file ({hotkey: {uid, validator_permit}}), as `leadpoet auth metagraph` writes it. */
export async function readMetagraphFile(file: string): Promise<MetagraphDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new AuthError(
      'ROLE_LOOKUP_FAILED',
      `cannot read the metagraph file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  try {
    return parseMetagraphDocument(JSON.parse(text))
  } catch (error) {
    if (error instanceof AuthError) throw new AuthError(error.code, `${file}: ${error.message}`)
    throw new AuthError('INVALID_METAGRAPH', `${file} is not JSON`)
  }
}

/** Roles from a metagraph file, read at the first lookup. */
export function fileRoleResolver(file: string): RoleResolver {
  let document: Promise<MetagraphDocument> | undefined
  return {
    async resolve(hotkey) {
      document ??= readMetagraphFile(file)
      return documentRoleResolver(await document).resolve(hotkey)
    },
  }
}
