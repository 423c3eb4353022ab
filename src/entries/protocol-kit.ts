/**
 * `vue-chunked-upload/protocol-kit`: what the built-in protocols are made of, for writing
 * your own (see docs/custom-protocol.md): answers turned into typed errors, JSON bodies read
 * safely, `Retry-After`, aborts, and the part plan. The engine retries, waits and counts;
 * a protocol only maps intents to wire calls.
 */
export {
  UploadError,
  isUploadError,
  toUploadError,
  abortError,
  throwIfAborted,
  isRetryableStatus,
  parseRetryAfter,
  httpError,
  parseJsonObject,
  serverErrorCode,
  isObject,
  planChunks,
  partAt,
  partLength,
  isValidPlan,
  KiB,
  MiB,
  GiB,
} from '../core'
export type {
  UploadProtocol,
  ProtocolCapabilities,
  ProtocolContext,
  CreateRequest,
  CreateResult,
  ClaimRequest,
  CompleteRequest,
  PartRequest,
  StreamRequest,
  RemoteRequest,
  RemoteUpload,
  ServerState,
  AckedPart,
  ChunkPlan,
  PartRange,
  UploadResult,
  FileInfo,
  HttpRequest,
  HttpResponse,
  HttpMethod,
  RequestBody,
  UploadErrorCode,
  UploadErrorOptions,
} from '../core'
