/**
 * Memoises asynchronous answers for a time, keyed by name. Concurrent askers of the same key share
 * one in-flight computation, so every lead of a domain in a run sees the same network answer.
 */
export interface CacheStats {
  hits: number
  misses: number
  size: number
}

interface Entry<V> {
  value: Promise<V>
  /** Infinity while the computation is in flight. */
  expiresAt: number
}

export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  #hits = 0
  #misses = 0

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  /** `compute` must not reject; `ttlOf` says how long its answer may be reused (0: not at all). */
  get(key: string, compute: () => Promise<V>, ttlOf: (value: V) => number): Promise<V> {
    const cached = this.#entries.get(key)
    if (cached && cached.expiresAt > this.now()) {
      this.#hits++
      return cached.value
    }
    this.#misses++
    const entry: Entry<V> = {value: compute(), expiresAt: Infinity}
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    entry.value.then(
      (value) => {
        entry.expiresAt = this.now() + ttlOf(value)
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key)
      },
    )
    // Oldest first: Map iteration follows insertion order.
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return entry.value
  }

  stats(): CacheStats {
    return {hits: this.#hits, misses: this.#misses, size: this.#entries.size}
  }
}
