import type { FileInfo } from '../vue'

/** The kinds of file `<UploadProgress>` draws an icon for. */
export type FileKind = 'image' | 'video' | 'audio' | 'pdf' | 'archive' | 'text' | 'file'

const BY_EXTENSION: Readonly<Record<string, FileKind>> = {
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  avif: 'image',
  heic: 'image',
  svg: 'image',
  bmp: 'image',
  tif: 'image',
  tiff: 'image',
  mp4: 'video',
  mov: 'video',
  mkv: 'video',
  webm: 'video',
  avi: 'video',
  mp3: 'audio',
  wav: 'audio',
  flac: 'audio',
  ogg: 'audio',
  m4a: 'audio',
  aac: 'audio',
  pdf: 'pdf',
  zip: 'archive',
  gz: 'archive',
  tgz: 'archive',
  tar: 'archive',
  '7z': 'archive',
  rar: 'archive',
  xz: 'archive',
  bz2: 'archive',
  zst: 'archive',
  iso: 'archive',
  txt: 'text',
  md: 'text',
  csv: 'text',
  json: 'text',
  xml: 'text',
  log: 'text',
  doc: 'text',
  docx: 'text',
  odt: 'text',
  rtf: 'text',
}

const ARCHIVE_TYPES = /zip|compressed|x-tar|gzip|x-7z|x-rar|x-xz|x-bzip|zstd|iso9660/

/**
 * A file's kind from its MIME type, or from its extension when the browser gave none (or
 * a generic one): many archives and documents come as `application/octet-stream`.
 */
export function kindOf(file: Pick<FileInfo, 'name' | 'type'>): FileKind {
  const type = file.type.toLowerCase()
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('video/')) return 'video'
  if (type.startsWith('audio/')) return 'audio'
  if (type === 'application/pdf') return 'pdf'
  if (ARCHIVE_TYPES.test(type)) return 'archive'
  if (type.startsWith('text/') || type === 'application/json') return 'text'
  const dot = file.name.lastIndexOf('.')
  const extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : ''
  return BY_EXTENSION[extension] ?? 'file'
}

/**
 * Image types every current browser's `createImageBitmap` decodes. Others (HEIC, TIFF, SVG,
 * which has no intrinsic size to decode at) keep their icon without a decode attempt.
 */
export const DECODABLE_IMAGES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
])
