/** Bounded concurrency: at most `max` tasks run at once, the rest wait in arrival order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>

export function createLimiter(max: number): Limiter {
  let running = 0
  const waiting: Array<() => void> = []
  const release = () => {
    running--
    waiting.shift()?.()
  }
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      release()
    }
  }
}
