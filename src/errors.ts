/**
 * One error type for the whole tool. `code` is stable (documented, matched by scripts and tests);
 * `message` is for people. Commands turn `exitCode` into the process exit status.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  partial: 3,
  unauthorised: 4,
  nothingToDo: 5,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export class LeadpoetError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'LeadpoetError'
  }
}
