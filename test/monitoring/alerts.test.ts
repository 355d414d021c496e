import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {promtool, PROMTOOL_MISSING, skipWithoutPromtool} from './promtool.js'

// The shipped alerting rules, checked and unit-tested by the real promtool: every alert firing and
// not firing (monitoring/tests/alerts.test.yml).

const ALERTS = fileURLToPath(new URL('../../monitoring/alerts.yml', import.meta.url))
const ALERT_TESTS = fileURLToPath(new URL('../../monitoring/tests/alerts.test.yml', import.meta.url))
const NAME = 'the alerting rules under promtool'

describe.skipIf(skipWithoutPromtool)(skipWithoutPromtool ? `${NAME}: skipped, ${PROMTOOL_MISSING}` : NAME, () => {
  it('given monitoring/alerts.yml, then promtool finds its six rules valid', async () => {
    const run = await promtool(['check', 'rules', ALERTS])
    expect(run.output).toContain('SUCCESS: 6 rules found')
    expect(run.code).toBe(0)
  })

  it('given the unit tests, then each alert fires when it should and stays silent otherwise', async () => {
    const run = await promtool(['test', 'rules', ALERT_TESTS])
    expect(run.output).toContain('SUCCESS')
    expect(run.code).toBe(0)
  })

  it('given a test expecting an alert the rules do not fire, then promtool fails it', async () => {
    // the unit tests can fail: the same rules, with an expectation the data does not meet
    const dir = await mkdtemp(path.join(tmpdir(), 'leadpoet-alerts-'))
    try {
      const file = path.join(dir, 'wrong.test.yml')
      await writeFile(
        file,
        [
          `rule_files: [${JSON.stringify(ALERTS)}]`,
          'tests:',
          '  - interval: 1m',
          '    input_series:',
          '      - series: leadpoet_epoch_validators_without_weights{epoch="6"}',
          "        values: '0x5'",
          '    alert_rule_test:',
          '      - eval_time: 5m',
          '        alertname: LeadpoetEpochWithoutWeights',
          '        exp_alerts: [{exp_labels: {epoch: "6", severity: warning}}]',
          '',
        ].join('\n'),
      )
      const run = await promtool(['test', 'rules', file])
      expect(run.output).toContain('FAILED')
      expect(run.code).not.toBe(0)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
