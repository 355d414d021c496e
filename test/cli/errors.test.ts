import createDebug from 'debug'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {describeFailure} from '../../src/cli/base-command.js'
import {EXIT, LeadpoetError} from '../../src/errors.js'

afterEach(() => {
  createDebug.disable()
  vi.restoreAllMocks()
})

describe('how a failed command is reported', () => {
  it('given a user-fixable error, then its code, one line and exit status pass through unchanged', () => {
    const error = new LeadpoetError('EPOCH_NOT_OVER', 'epoch 3 is not over yet', EXIT.error, {epoch: 3})
    expect(describeFailure(error)).toBe(error)
    const twoLines = describeFailure(new LeadpoetError('INVALID_INPUT', 'bad row\n  on line 2', EXIT.usage))
    expect(twoLines).toMatchObject({code: 'INVALID_INPUT', message: 'bad row on line 2', exitCode: EXIT.usage})
  })

  it("given oclif's usage error, then it is USAGE with exit 2", () => {
    const usage = Object.assign(new Error('Nonexistent flag: --bogus\nSee more help with --help'), {oclif: {exit: 2}})
    expect(describeFailure(usage)).toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      message: expect.not.stringContaining('\n'),
    })
  })

  it('given a defect, then one line says so and points at DEBUG, and the stack stays off stderr', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const failure = describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))
    expect(failure).toMatchObject({code: 'INTERNAL_ERROR', exitCode: EXIT.error})
    expect(failure.message).toContain('DEBUG=leadpoet*')
    expect(failure.message).not.toContain('\n')
    expect(stderr).not.toHaveBeenCalled()
  })

  it('given a defect under DEBUG=leadpoet*, then its stack goes to stderr', () => {
    createDebug.enable('leadpoet*')
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    describeFailure(new TypeError('boom'))
    const written = stderr.mock.calls.map(([chunk]) => String(chunk)).join('')
    expect(written).toContain('TypeError: boom')
    expect(written).toMatch(/at .*errors\.test\.ts/)
  })
})
