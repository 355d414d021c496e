/**
 * Every `--json` document is snake_case (as the database's results are). Domain objects built in
 * TypeScript (the chain module's reports) are camelCase with Dates; this is the one conversion.
 */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

export type JsonDocument<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? JsonDocument<Item>[]
    : T extends object
      ? {[K in keyof T as K extends string ? SnakeCase<K> : K]: JsonDocument<T[K]>}
      : T

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

export function toJsonDocument<T>(value: T): JsonDocument<T> {
  return convert(value) as JsonDocument<T>
}

function convert(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(convert)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [snakeCase(key), convert(item)]))
  }
  return value
}
