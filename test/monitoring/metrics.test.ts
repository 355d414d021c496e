import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConsensusMetrics, ConsensusStats} from '../../src/service/results.js'
import {DatabaseCommitStore} from '../../src/service/weight-commits.js'
import {pendingCommit} from '../chain/helpers.js'
import {runCli} from '../support/cli.js'
import {createWorld, miner, validator, type World} from '../support/world.js'
import {promtool, PROMTOOL_MISSING, skipWithoutPromtool} from './promtool.js'

// `leadpoet metrics` on a seeded Postgres database: the exposition passes `promtool check metrics`,
// says what the database holds, and `--serve` answers scrapes on loopback.

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const V = (n: number) => validator(n).hotkey
const NAME = 'leadpoet metrics'

describe.skipIf(skipWithoutPromtool)(skipWithoutPromtool ? `${NAME}: skipped, ${PROMTOOL_MISSING}` : NAME, () => {
  let world: World
  let home: string
  let env: Record<string, string>

  /**
   * Epoch 1: validators 1-3 decide two prospects (one unanimously), validator 4 leases a third and
   * never votes; closed in epoch 2 with golden scores in its snapshot, where validator 1 commits weights
   * and validator 2's commit expires unrevealed. Now epoch 3: epoch 1's weight window is over.
   */
  beforeAll(async () => {
    world = await createWorld('postgres')
    home = await mkdtemp(path.join(tmpdir(), 'leadpoet-metrics-'))
    env = {
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      LEADPOET_DB: world.databaseUrl!,
    }
    const validators = await Promise.all([1, 2, 3, 4].map((n) => world.as(validator(n))))
    await world.enterEpoch(1)
    const {prospect_ids: ids} = await (
      await world.as(miner(1))
    ).enqueue(['a', 'b', 'c'].map((n) => ({business: `Metrics ${n}`, email: `ada@metrics-${n}.com`})))
    for (const [i, v] of validators.slice(0, 3).entries()) {
      await v.pull(2)
      await v.submit([
        {prospect_id: ids[0]!, is_valid: true, score: 0.9},
        {prospect_id: ids[1]!, is_valid: i !== 2, score: 0.5},
      ])
    }
    await validators[3]!.pull(1)
    await world.enterEpoch(2)
    await world.operator.closeEpoch(1)
    // Golden scores with known figures, as the closing snapshot holds them (the golden tests cover how
    // they are scored; here, how they are exported). '' is the consensus.
    await world.sql.query(
      `insert into leadpoet.epoch_golden_scores (epoch_number, validator_hotkey, golden_votes, true_positive,
                                                 false_positive, true_negative, false_negative, accuracy)
       values (1, $1, 10, 4, 1, 4, 1, 0.8), (1, '', 12, 5, 1, 4, 2, 0.75)`,
      [V(1)],
    )
    const {blocks_per_epoch: blocks} = await world.operator.settings()
    const first = new DatabaseCommitStore(validators[0]!.adapter)
    const committed = await first.save(pendingCommit({hotkey: V(1), chainEpoch: 41, submittedAtBlock: 2 * blocks + 5}))
    await first.markCommitted(committed.id, 2 * blocks + 6)
    const second = new DatabaseCommitStore(validators[1]!.adapter)
    const lost = await second.save(pendingCommit({hotkey: V(2), chainEpoch: 41, submittedAtBlock: 2 * blocks + 7}))
    await second.markExpired(lost.id, 'WEIGHTS_COMMIT_EXPIRED: never revealed')
    await world.enterEpoch(3)
  })
  afterAll(async () => {
    await world?.close()
    if (home) await rm(home, {recursive: true, force: true})
  })

  /** The sample lines of `name` in an exposition, labels as written. */
  const samples = (exposition: string, name: string) =>
    exposition.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))

  it('given the seeded database, when metrics prints, then promtool check metrics finds nothing to fix', async () => {
    const run = await runCli(['metrics'], env)
    expect(run.code, run.stderr).toBe(0)
    const lint = await promtool(['check', 'metrics'], run.stdout)
    expect(lint).toEqual({code: 0, output: ''})
  })

  it('given the seeded database, then the exposition says what it holds: queue, counters, the last closed epoch, weights due', async () => {
    const text = (await runCli(['metrics'], env)).stdout
    expect(samples(text, 'leadpoet_current_epoch')).toEqual(['leadpoet_current_epoch 3'])
    expect(samples(text, 'leadpoet_last_closed_epoch')).toEqual(['leadpoet_last_closed_epoch 1'])
    expect(samples(text, 'leadpoet_queue_pending_prospects')).toEqual(['leadpoet_queue_pending_prospects 1'])
    expect(samples(text, 'leadpoet_decisions_total')).toEqual([
      'leadpoet_decisions_total{status="accepted",reason="majority_valid"} 2',
    ])
    expect(text).toContain('# TYPE leadpoet_decisions_total counter')
    expect(samples(text, 'leadpoet_weight_commits_expired_total').sort()).toEqual(
      [
        `leadpoet_weight_commits_expired_total{validator="${V(1)}"} 0`,
        `leadpoet_weight_commits_expired_total{validator="${V(2)}"} 1`,
      ].sort(),
    )
    expect(samples(text, 'leadpoet_epoch_unanimity_ratio')).toEqual(['leadpoet_epoch_unanimity_ratio{epoch="1"} 0.5'])
    expect(samples(text, 'leadpoet_epoch_work_gini_ratio')).toEqual([
      'leadpoet_epoch_work_gini_ratio{epoch="1"} 0.1071',
    ])
    expect(samples(text, 'leadpoet_epoch_validator_newly_ineligible')).toContain(
      `leadpoet_epoch_validator_newly_ineligible{epoch="1",validator="${V(4)}"} 1`,
    )
    expect(samples(text, 'leadpoet_epoch_validator_failed_rule')).toEqual(
      expect.arrayContaining([
        `leadpoet_epoch_validator_failed_rule{epoch="1",validator="${V(4)}",rule="too_few_decided"} 1`,
        `leadpoet_epoch_validator_failed_rule{epoch="1",validator="${V(4)}",rule="too_many_abandoned"} 1`,
      ]),
    )
    expect(samples(text, 'leadpoet_epoch_consensus_golden_accuracy_ratio')).toEqual([
      'leadpoet_epoch_consensus_golden_accuracy_ratio{epoch="1"} 0.75',
    ])
    expect(samples(text, 'leadpoet_epoch_consensus_golden_false_negative_ratio')).toEqual([
      'leadpoet_epoch_consensus_golden_false_negative_ratio{epoch="1"} 0.2857',
    ])
    expect(samples(text, 'leadpoet_epoch_validator_golden_accuracy_ratio')).toEqual([
      `leadpoet_epoch_validator_golden_accuracy_ratio{epoch="1",validator="${V(1)}"} 0.8`,
    ])
    // validators 1-3 were eligible in epoch 1; only validator 1's commit is live
    expect(samples(text, 'leadpoet_epoch_validators_without_weights')).toEqual([
      'leadpoet_epoch_validators_without_weights{epoch="1"} 2',
    ])
  })

  it('given --json, then the document the metrics are made of is printed, and stats --json has the same epoch', async () => {
    const metrics = ConsensusMetrics.parse((await runCli(['metrics', '--json'], env)).json())
    expect(metrics.last_closed?.epoch).toBe(1)
    const stats = ConsensusStats.parse((await runCli(['stats', '--epoch', '1', '--json'], env)).json())
    const {queue: _metricsQueue, ...fromMetrics} = metrics.last_closed!
    const {queue: _statsQueue, ...fromStats} = stats
    expect(fromStats).toEqual(fromMetrics)
    const text = await runCli(['stats', '--epoch', '1'], env)
    expect(text.stdout).toContain('Gini 0.1071')
    expect(text.stdout).toContain('Consensus on golden leads: FP 1 (20.0 %), FN 2 (28.6 %) of 12, accuracy 75.0 %')
  })

  it('given --serve with --json, then it is refused as a usage error', async () => {
    const run = await runCli(['metrics', '--serve', '0', '--json'], env)
    expect(run.code).toBe(2)
    expect(run.json().error.code).toBe('USAGE')
  })

  it('given --serve on a free loopback port, then GET /metrics answers the exposition, anything else 404, and SIGTERM stops it', async () => {
    const child = spawn(process.execPath, [BIN, 'metrics', '--serve', '0'], {
      env: {...process.env, NO_COLOR: '1', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
          const match = /Serving (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)
          if (match) resolve(match[1]!)
        })
        void exited.then((code) => reject(new Error(`metrics --serve exited with ${code}: ${stderr}`)))
      })
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const body = await response.text()
      expect(body).toContain('leadpoet_queue_pending_prospects 1')
      expect(await promtool(['check', 'metrics'], body)).toEqual({code: 0, output: ''})
      expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
