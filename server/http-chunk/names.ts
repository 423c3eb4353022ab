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

// Zero-width characters that hide inside a name (ZWSP, word joiner, invisible operators, BOM); ZWJ and ZWNJ stay: emoji sequences and Persian need them.
const INVISIBLE = /[\u200b\u2060-\u2064\ufeff]/g
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `text` with every lone surrogate replaced by U+FFFD, so it encodes to valid UTF-8. */
export const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\ufffd')

/** True when `char` is, or is compatible with (NFKC: fullwidth `／`, `＼`), a path separator. */
const isSeparator = (char: string): boolean => /[\\/]/.test(char.normalize('NFKC'))

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
  const clean = wellFormed(name).normalize('NFC').replace(UNSAFE, '').replace(INVISIBLE, '')
  let base = ''
  for (const char of clean) base = isSeparator(char) ? '' : base + char
  const trimmed = base.trim()
  // NFKC for the check: `．．` must not pass as a harmless name where `..` does not.
  const checked = trimmed.normalize('NFKC')
  return fitName(checked === '.' || checked === '..' || trimmed === '' ? 'file' : trimmed)
}

/** Cuts `name` to at most `maxBytes` of UTF-8, keeping a short extension. */
export function fitName(name: string, maxBytes = MAX_NAME_BYTES): string {
  if (utf8Length(name) <= maxBytes) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  return cutToBytes(name.slice(0, name.length - ext.length), maxBytes - utf8Length(ext)) + ext
}
