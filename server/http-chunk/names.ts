/**
 * File names are the client's claim and are only stored and echoed, never used in a path
 * (paths are built from server ids). What is stored is still made safe to show and to reuse
 * as a download name: the last path segment only, no control characters, no bidirectional
 * overrides that make `cod.exe` look like `exe.doc`, at most 255 UTF-8 bytes (the common
 * filesystem limit) keeping the extension.
 */
export const MAX_NAME_BYTES = 255

// C0 and C1 controls, DEL, and the Unicode bidirectional formatting characters
// (LRM, RLM, ALM, LRE..RLO, LRI..PDI), which can reorder how a name is displayed.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8')

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a code point. */
function cutToBytes(text: string, max: number): string {
  let out = ''
  for (const char of text) {
    if (utf8Length(out + char) > max) break
    out += char
  }
  return out
}

/** The name to store for a declared `name`. Never empty, never a path, never over 255 bytes. */
export function sanitizeFileName(name: string): string {
  const base = name.normalize('NFC').replace(UNSAFE, '').split(/[\\/]/).pop() ?? ''
  const trimmed = base.trim()
  return fitName(trimmed === '.' || trimmed === '..' || trimmed === '' ? 'file' : trimmed)
}

/** Cuts `name` to at most `maxBytes` of UTF-8, keeping a short extension. */
export function fitName(name: string, maxBytes = MAX_NAME_BYTES): string {
  if (utf8Length(name) <= maxBytes) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  return cutToBytes(name.slice(0, name.length - ext.length), maxBytes - utf8Length(ext)) + ext
}
