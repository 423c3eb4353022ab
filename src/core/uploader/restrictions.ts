import { UploadError } from '../errors'
import type { FileInfo } from '../types'

/** What files an uploader accepts, as values; checked in the engine, not only in a component. */
export interface Restrictions {
  /**
   * Accepted types, as in `<input accept>`: extensions (`.mp4`), MIME types (`video/mp4`)
   * or wildcards (`video/*`). Empty or undefined accepts everything.
   */
  readonly accept?: string | readonly string[]
  /** Largest file in bytes. @default Infinity */
  readonly maxFileSize?: number
  /** Smallest file in bytes; set 1 to refuse empty files. @default 0 */
  readonly minFileSize?: number
  /** Most files in the uploader at once (finished and canceled ones are not counted). @default Infinity */
  readonly maxFiles?: number
  /**
   * Largest sum of sizes in bytes: the files not finished or canceled plus the ones being
   * added. A file that would pass it is refused with `total-too-large`. @default Infinity
   */
  readonly maxTotalSize?: number
}

/** A restriction's value, or a getter called each time files are added (e.g. reading a ref). */
export type Live<T> = T | (() => T)

/** {@link Restrictions} as the uploader takes them: each a value or a getter. */
export type LiveRestrictions = { readonly [K in keyof Restrictions]?: Live<Restrictions[K]> }

/** The names of the restrictions, in the order they are checked. */
export const RESTRICTION_NAMES = [
  'maxFiles',
  'accept',
  'maxFileSize',
  'minFileSize',
  'maxTotalSize',
] as const satisfies readonly (keyof Restrictions)[]

const SIZE_LIMITS = ['maxFileSize', 'minFileSize', 'maxFiles', 'maxTotalSize'] as const

function invalidRestriction(name: string, value: unknown, expected: string): UploadError {
  return new UploadError(
    'invalid-option',
    `Option ${name} must be ${expected}, got ${String(value)}`,
    {
      retryable: false,
      params: { option: name, value: String(value) },
    },
  )
}

/** The first restriction value that cannot be used, as an `invalid-option` error. */
export function invalidRestrictions(restrictions: Restrictions): UploadError | undefined {
  for (const name of SIZE_LIMITS) {
    const value = restrictions[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
      return invalidRestriction(name, value, 'a number ≥ 0')
  }
  const { accept } = restrictions
  if (
    accept !== undefined &&
    typeof accept !== 'string' &&
    !(Array.isArray(accept) && accept.every((item) => typeof item === 'string'))
  )
    return invalidRestriction('accept', accept, 'a string or a list of strings')
  return undefined
}

/** Calls the getters among `live`: the restrictions as they are now. */
export function readRestrictions(live: LiveRestrictions): Restrictions {
  const now: Record<string, unknown> = {}
  for (const name of RESTRICTION_NAMES) {
    const value = live[name]
    now[name] = typeof value === 'function' ? value() : value
  }
  return now as Restrictions
}

/** Only the restriction keys of `options` (an uploader's options carry many others). */
export function pickRestrictions(options: LiveRestrictions): LiveRestrictions {
  const picked: Record<string, unknown> = {}
  for (const name of RESTRICTION_NAMES)
    if (options[name] !== undefined) picked[name] = options[name]
  return picked as LiveRestrictions
}

/** Files already in the uploader that count against `maxFiles` and `maxTotalSize`. */
export interface Counted {
  /** How many. */
  files: number
  /** Their sizes, summed. */
  bytes: number
}

export function normalizeAccept(accept: Restrictions['accept']): string[] {
  const list = typeof accept === 'string' ? accept.split(',') : (accept ?? [])
  return list.map((item) => item.trim().toLowerCase()).filter((item) => item !== '')
}

export function matchesAccept(
  file: Pick<FileInfo, 'name' | 'type'>,
  accept: readonly string[],
): boolean {
  if (accept.length === 0) return true
  const name = file.name.toLowerCase()
  const type = file.type.toLowerCase()
  return accept.some((rule) => {
    if (rule === '*/*' || rule === '*') return true
    if (rule.startsWith('.')) return name.endsWith(rule)
    if (rule.endsWith('/*')) return type.startsWith(rule.slice(0, -1))
    return type === rule
  })
}

/** Returns the error for the first restriction `file` breaks, or undefined. */
export function checkFile(
  file: FileInfo,
  restrictions: Restrictions,
  already: Counted,
): UploadError | undefined {
  const {
    maxFileSize = Infinity,
    minFileSize = 0,
    maxFiles = Infinity,
    maxTotalSize = Infinity,
  } = restrictions
  if (already.files >= maxFiles) {
    return new UploadError('too-many-files', `At most ${maxFiles} files may be added`, {
      retryable: false,
      params: { name: file.name, maxFiles },
    })
  }
  const accept = normalizeAccept(restrictions.accept)
  if (!matchesAccept(file, accept)) {
    return new UploadError('file-type-rejected', `${file.name} is not an accepted type`, {
      retryable: false,
      params: { name: file.name, accept: accept.join(', ') },
    })
  }
  if (file.size > maxFileSize) {
    return new UploadError('file-too-large', `${file.name} is larger than ${maxFileSize} bytes`, {
      retryable: false,
      params: { name: file.name, size: file.size, maxFileSize },
    })
  }
  if (file.size < minFileSize) {
    return new UploadError('file-too-small', `${file.name} is smaller than ${minFileSize} bytes`, {
      retryable: false,
      params: { name: file.name, size: file.size, minFileSize },
    })
  }
  if (already.bytes + file.size > maxTotalSize) {
    return new UploadError(
      'total-too-large',
      `${file.name} would take the total past ${maxTotalSize} bytes`,
      {
        retryable: false,
        params: { name: file.name, size: file.size, total: already.bytes, maxTotalSize },
      },
    )
  }
  return undefined
}

/** The uploader's restrictions: the options' values and getters, changed by `setRestrictions`. */
export interface RestrictionState {
  /** The restrictions now (getters called); an unusable value throws `invalid-option`. */
  get(): Restrictions
  /** The restrictions now, or the `invalid-option` error a getter's value makes. */
  read(): Restrictions | UploadError
  /** Replaces the given ones (a value or a getter each); `undefined` lifts one. */
  set(partial: LiveRestrictions): void
}

/** Keeps the live restrictions of `options`; plain values are checked at once. */
export function createRestrictionState(options: LiveRestrictions): RestrictionState {
  let live = pickRestrictions(options)
  const assertValues = (values: LiveRestrictions) => {
    const plain: Record<string, unknown> = {}
    for (const name of RESTRICTION_NAMES)
      if (typeof values[name] !== 'function') plain[name] = values[name]
    const error = invalidRestrictions(plain as Restrictions)
    if (error) throw error
  }
  assertValues(live)
  const read = (): Restrictions | UploadError => {
    const now = readRestrictions(live)
    return invalidRestrictions(now) ?? now
  }
  return {
    get() {
      const now = read()
      if (now instanceof UploadError) throw now
      return now
    },
    read,
    set(partial) {
      assertValues(partial)
      live = { ...live, ...partial }
    },
  }
}
