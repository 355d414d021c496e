import {Flags} from '@oclif/core'
import {LeadpoetCommand} from '../cli/base-command.js'
import {serveMetrics} from '../cli/metrics-server.js'
import {EXIT, LeadpoetError} from '../errors.js'
import {prometheusExposition} from '../service/prometheus.js'
import * as R from '../service/results.js'

export default class Metrics extends LeadpoetCommand {
  static override resultSchema = R.ConsensusMetrics
  static override summary = 'Prometheus metrics: the queue, decisions, the last closed epoch, weights (operator).'
  static override description =
    'Prints the Prometheus text exposition format, for the node_exporter textfile collector from cron ' +
    '(docs/monitoring.md has the cron line and the alerts). With --serve PORT, serves /metrics instead, ' +
    'reading the database once per scrape, until interrupted. --json prints the document the metrics are made of.'
  static override examples = [
    'cd /var/lib/node_exporter/textfile_collector && leadpoet metrics > leadpoet.prom.$$ && mv leadpoet.prom.$$ leadpoet.prom',
    'leadpoet metrics --serve 9471',
  ]
  static override flags = {
    serve: Flags.integer({
      description: 'serve /metrics on this port (0: any free port) instead of printing once',
      min: 0,
      max: 65535,
    }),
    host: Flags.string({
      description: 'the address --serve listens on [default: 127.0.0.1, loopback only]',
      dependsOn: ['serve'],
    }),
  }

  async run(): Promise<R.ConsensusMetrics | undefined> {
    const {flags} = await this.parse(Metrics)
    if (flags.serve !== undefined && this.jsonEnabled()) {
      throw new LeadpoetError('USAGE', '--serve answers scrapes over HTTP: it has no --json document', EXIT.usage)
    }
    const {service} = await this.openSession('operator', flags)
    if (flags.serve === undefined) {
      const document = await service.metrics()
      if (!this.jsonEnabled()) process.stdout.write(await prometheusExposition(document))
      return document
    }

    const server = await serveMetrics({
      host: flags.host ?? '127.0.0.1',
      port: flags.serve,
      exposition: async () => prometheusExposition(await service.metrics()),
      onError: (error) => this.warnLine(`a scrape failed: ${error.message}`),
    })
    this.progress(`Serving ${server.url} (Ctrl-C stops)`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await server.close()
    return undefined
  }
}
