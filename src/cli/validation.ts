import {Flags} from '@oclif/core'
import {CHECK_NAMES, loadValidationConfig, type ValidationConfig} from '../validation/index.js'
import type {ConfigFile} from './config.js'

/** The lead checks' settings, as `pull` and `check` take them. */
export const validationFlags = {
  'validation-config': Flags.string({
    description: 'JSON file of validation settings (checks, weights, lists, timeouts, network health)',
    env: 'LEADPOET_VALIDATION_CONFIG',
  }),
  'check-off': Flags.string({
    description: 'turn this check off (repeatable), e.g. website_reachable',
    multiple: true,
    options: [...CHECK_NAMES],
  }),
  'check-soft': Flags.string({
    description: 'make this check soft: it lowers the score but never fails the lead (repeatable)',
    multiple: true,
    options: [...CHECK_NAMES],
  }),
  'unknown-policy': Flags.string({
    description: 'when a check cannot tell (network failure): abstain (give the lease back), fail, or pass',
    options: ['abstain', 'fail', 'pass'],
  }),
}

/** Defaults < the settings file (flag, else the config file's `validation`) < these flags; a refused value names its key. */
export function validationConfig(
  flags: {'validation-config'?: string; 'check-off'?: string[]; 'check-soft'?: string[]; 'unknown-policy'?: string},
  appConfig: ConfigFile,
): Promise<ValidationConfig> {
  const checks: Record<string, {enabled?: boolean; soft?: boolean}> = {}
  for (const name of flags['check-off'] ?? []) checks[name] = {...checks[name], enabled: false}
  for (const name of flags['check-soft'] ?? []) checks[name] = {...checks[name], soft: true}
  return loadValidationConfig(flags['validation-config'] ?? appConfig.validation, {
    ...(Object.keys(checks).length ? {checks} : {}),
    ...(flags['unknown-policy'] ? {unknownPolicy: flags['unknown-policy']} : {}),
  })
}
