import {
  resolveValidationConfig,
  type ValidationConfig,
  type ValidationConfigInput,
} from '../../../src/validation/index.js'

/**
 * Settings for tests against the loopback servers: DNS goes to the test server and the website
 * check may connect to 127.0.0.1. Timeouts are generous so a loaded machine does not flip answers;
 * tests about timeouts shorten them only where the server never answers.
 */
export function loopbackConfig(dnsServer: string, overrides: ValidationConfigInput = {}): ValidationConfig {
  return resolveValidationConfig(
    {
      source: 'test',
      value: {
        network: {
          dnsServers: [dnsServer],
          allowPrivateAddresses: true,
          dnsTimeoutMs: 3000,
          dnsTries: 1,
          httpTimeoutMs: 5000,
        },
      },
    },
    {source: 'test overrides', value: overrides},
  )
}
