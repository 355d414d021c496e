import {LeadpoetError} from '../../src/errors.js'

/** The LeadpoetError a call was refused with; a call that succeeds, or fails otherwise, fails the test. */
export async function refusalOf(call: Promise<unknown>): Promise<LeadpoetError> {
  try {
    await call
  } catch (error) {
    if (error instanceof LeadpoetError) return error
    throw error
  }
  throw new Error('expected the call to be refused')
}
