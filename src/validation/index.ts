/** Public surface of lead validation; callers import from here only. */
export {
  DEFAULT_VALIDATION_CONFIG,
  loadValidationConfig,
  resolveValidationConfig,
  validationConfigInputSchema,
  type CheckSettings,
  type HealthSettings,
  type NetworkSettings,
  type UnknownPolicy,
  type ValidationConfig,
  type ValidationConfigInput,
  type ValidationLists,
} from './config.js'
export type {NetworkCacheStats} from './network/index.js'
export {describeUnhealthy, type HealthProbe, type NetworkHealth} from './network/health.js'
export {createLeadValidator, validateLeads, type LeadValidator, type LeadValidatorOptions} from './pipeline.js'
export {
  CHECK_NAMES,
  NETWORK_CHECKS,
  type CheckName,
  type CheckReason,
  type CheckResult,
  type CheckStatus,
  type KnownEmailLookup,
  type LeadAssessment,
  type Verdict,
} from './types.js'
