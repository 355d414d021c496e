import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {z} from 'zod'
import {EXIT, LeadpoetError} from '../errors.js'

/**
 * The optional config file, `<oclif config dir>/config.json` (~/.config/leadpoet/config.json), or
 * the file LEADPOET_CONFIG names. Precedence: flags > environment > this file > defaults.
 */
export const ConfigFile = z
  .object({
    db: z.string().optional(),
    hotkey: z.string().optional(),
    // the token issuer's URL, for logins (docs/auth.md); default: the project's leadpoet-auth function
    issuer: z.url().optional(),
    netuid: z.number().int().min(0).max(65535).optional(),
    subtensor: z.object({network: z.string()}).strict().optional(),
    wallet: z.object({name: z.string(), hotkey: z.string(), path: z.string()}).partial().strict().optional(),
    validation: z.string().optional(),
    weights: z
      .object({
        version_key: z.number().int().min(0).optional(),
        fallback: z.union([z.enum(['skip', 'subnet_owner']), z.number().int().min(0).max(65535)]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
export type ConfigFile = z.infer<typeof ConfigFile>

export function configPath(configDir: string): string {
  return process.env.LEADPOET_CONFIG || path.join(configDir, 'config.json')
}

export async function loadConfig(configDir: string): Promise<ConfigFile> {
  const file = configPath(configDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new LeadpoetError('CONFIG_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, EXIT.usage)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new LeadpoetError('INVALID_CONFIG', `${file} is not JSON: ${(error as Error).message}`, EXIT.usage)
  }
  const parsed = ConfigFile.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = [...issue.path, ...('keys' in issue ? issue.keys : [])].join('.')
    throw new LeadpoetError('INVALID_CONFIG', `${file}: ${key || '(root)'}: ${issue.message}`, EXIT.usage, {key})
  }
  return parsed.data
}
