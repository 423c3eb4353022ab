import type { Messages } from './types'

export const en: Messages = {
  errors: {
    'file-too-large': '{name} is too large (the limit is {maxFileSize}).',
    'file-too-small': '{name} is too small (at least {minFileSize} is needed).',
    'file-type-rejected': '{name} is not an accepted file type ({accept}).',
    'too-many-files': 'You can add at most {maxFiles} files.',
    'too-many-parts': 'This file is too large to upload with the current settings.',
    'file-changed':
      'The file changed on your device while it was uploading. Choose it again to restart.',
    'file-unreadable': 'The file could not be read. It may have been moved or deleted.',
    'hash-mismatch':
      'The uploaded file does not match the file on your device. Please upload it again.',
    network: 'The connection was lost. The upload will continue when it is back.',
    timeout: 'The server took too long to answer. Retrying…',
    stalled: 'The upload stopped making progress. Retrying…',
    offline: 'You are offline. The upload will continue when you are back online.',
    server: 'The server had a problem. Retrying…',
    rejected: 'The server refused the upload.',
    protocol: 'The server sent an answer the uploader could not understand.',
    'not-found': 'The server no longer knows this upload. It has to start again.',
    expired: 'This upload expired on the server. It has to start again.',
    aborted: 'The upload was stopped.',
    'storage-unavailable':
      'Progress cannot be saved in this browser, so uploads cannot resume after you leave the page.',
    locked: 'This file is already uploading in another tab.',
    unsupported: 'This browser cannot do this.',
  },
}
