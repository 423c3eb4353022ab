# S3 multipart signing endpoints for vue-chunked-upload's createS3Protocol (docs/s3.md).
# Runs on Django 3.2+ with boto3 1.26+ (Debian 12) and newer. The browser never holds
# credentials: this creates the upload, signs one part URL just before its PUT, lists every
# part, completes and aborts; a small file gets one presigned PUT instead (sign_object), and
# up to 100 queued small files one presigned POST form each (sign_objects). Every failure
# answers JSON {"error": {"code", "message"}}.
import base64
import datetime
import functools
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import urllib.parse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

log = logging.getLogger(__name__)
MIN_PART, MAX_PARTS, MAX_SIZE = 5 * 1024**2, 10_000, 5 * 1024**4
MAX_PART = 5 * 1024**3  # S3's largest single PUT
MAX_BATCH = 100  # files sign_objects signs in one request
MD5_BASE64 = re.compile(r"^[A-Za-z0-9+/]{22}==$")
CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
ETAG = re.compile(r'^"?[0-9a-fA-F]{32}"?$')
META_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
META_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _config():
    options = {"signature_version": "s3v4", "s3": {"addressing_style": "path"}}
    try:
        # botocore >= 1.36 adds CRC32 checksums to presigned UploadPart URLs by default,
        # which S3 then refuses for the browser's PUT: only when required.
        return Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            **options,
        )
    except TypeError:  # botocore < 1.36 has neither setting, nor that default
        return Config(**options)


@functools.lru_cache(maxsize=1)
def _s3():
    # The endpoint comes from settings: botocore < 1.31 ignores AWS_ENDPOINT_URL.
    return boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        config=_config(),
    )


class Failure(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _err(status, code, message):
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _s3_failure(error):
    """An S3 error as the protocol's answer; unknown ones are retryable 502s, never a 500."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        # AWS says NoSuchUpload; Ceph RGW says NoSuchKey for an aborted or expired upload.
        if code in ("NoSuchUpload", "NoSuchKey", "404", "NotFound"):
            return Failure(404, "not-found", "no such upload (aborted, completed or expired)")
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
            return Failure(400, code, code)
        if status >= 500 or code in ("SlowDown", "ServiceUnavailable"):
            return Failure(502, "storage-unavailable", "the storage did not answer")
        return Failure(502, "storage-error", f"the storage refused: {code or status}")
    return Failure(502, "storage-unavailable", "the storage did not answer")


def _gone(error):
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in (
        "NoSuchUpload",
        "NoSuchKey",
    )


def endpoint(*methods):
    """Allowed methods, and every failure (ours, S3's, bad JSON) as a JSON error."""

    def wrap(view):
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            if request.method not in methods:
                return _err(405, "method-not-allowed", "method not allowed")
            try:
                return view(request, *args, **kwargs)
            except Failure as f:
                return _err(f.status, f.code, f.message)
            except (ClientError, BotoCoreError) as e:
                f = _s3_failure(e)
                return _err(f.status, f.code, f.message)
            except Exception:  # e.g. botocore's ResponseParserError, which is no BotoCoreError
                log.exception("S3 signer: %s %s", request.method, request.path)
                return _err(502, "storage-error", "the storage's answer could not be read")

        return inner

    return wrap


def _json(request, limit):
    if len(request.body) > limit:
        raise Failure(413, "too-large", "request body too large")
    try:
        value = json.loads(request.body or b"{}")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Failure(400, "bad-request", "expected a JSON object")
    return value


def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _mac(owner, payload):
    key = settings.VCU_S3_SECRET.encode()
    return hmac.new(key, f"{owner}\n{payload}".encode(), hashlib.sha256).digest()


def _owner(request):
    return str(request.user.pk) if request.user.is_authenticated else ""


def _seal(owner, handle):
    payload = _b64(json.dumps(handle, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(owner, payload))}"


def _open(request, upload_id):
    """The sealed {"k": key, "u": UploadId, "s": size}, only for the caller who created it."""
    try:
        payload, sig = upload_id.split(".")
        if hmac.compare_digest(_unb64(sig), _mac(_owner(request), payload)):
            h = json.loads(_unb64(payload))
            if isinstance(h.get("k"), str) and isinstance(h.get("u"), str) and isinstance(h.get("s"), int):
                return h
    except (ValueError, TypeError, AttributeError):
        pass
    raise Failure(404, "not-found", "unknown upload id")


def _metadata(value):
    """The client's metadata as S3 object metadata (x-amz-meta-*), checked like the client
    checks it: at most 32 string pairs, 2 KB in all. Values that are not printable ASCII are
    stored percent-encoded, as the reference signer does (server/metadata.ts)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 32:
        raise Failure(400, "bad-request", "metadata must be an object of at most 32 strings")
    out, total = {}, 0
    for key, item in value.items():
        if not isinstance(key, str) or not META_KEY.match(key) or key.lower() in out:
            raise Failure(400, "bad-request", "metadata keys must be distinct names of letters, digits, _ and -")
        if not isinstance(item, str) or len(item) > 1024 or META_CONTROL.search(item):
            raise Failure(400, "bad-request", "metadata values must be short strings without control characters")
        total += len((key + item).encode())
        printable = all(0x20 <= ord(c) <= 0x7E for c in item)
        out[key.lower()] = item if printable else urllib.parse.quote(item, safe="-_.!~*'()")
    if total > 2048:
        raise Failure(400, "bad-request", "metadata is over 2048 bytes")
    return out


@ensure_csrf_cookie
@endpoint("GET")
def csrf(request):
    """Sets the csrftoken cookie; the page sends it back as X-CSRFToken (Django's AJAX way)."""
    return JsonResponse({})


def _size(body, limit):
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise Failure(400, "bad-request", "size must be a whole number of bytes")
    if size > limit:
        raise Failure(413, "file-too-large", f"files may be at most {limit} bytes")
    return size


def _key(body):
    """A key no client controls: uploads/<date>/<random>/<sanitized name>."""
    base = str(body.get("name", "file")).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\-]+", "_", base).lstrip(".")[-100:] or "file"
    return f"uploads/{datetime.date.today()}/{secrets.token_urlsafe(16)}/{name}"


@endpoint("POST")
def create(request):
    body = _json(request, 64 * 1024)
    size = _size(body, MAX_SIZE)
    key = _key(body)
    metadata = _metadata(body.get("metadata"))
    up = _s3().create_multipart_upload(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Metadata=metadata)
    handle = {"k": key, "u": up["UploadId"], "s": size}
    return JsonResponse({"id": _seal(_owner(request), handle), "key": key}, status=201)


@endpoint("POST")
def sign_part(request, upload_id, n):
    h = _open(request, upload_id)
    last = max(1, min(MAX_PARTS, math.ceil(h["s"] / MIN_PART)))
    if not 1 <= n <= last:
        raise Failure(400, "bad-request", f"part number must be 1..{last}")
    md5 = _json(request, 4096).get("md5")
    if md5 is not None and not (isinstance(md5, str) and MD5_BASE64.match(md5)):
        raise Failure(400, "bad-request", "md5 must be the base64 MD5 of the part")
    params = {"Bucket": settings.AWS_STORAGE_BUCKET_NAME, "Key": h["k"], "UploadId": h["u"], "PartNumber": n}
    if md5:
        params["ContentMD5"] = md5  # signed: the URL only accepts these bytes
    expires = min(3600, max(1, settings.VCU_PART_URL_EXPIRES_IN))
    url = _s3().generate_presigned_url("upload_part", Params=params, ExpiresIn=expires)
    return JsonResponse({"url": url, "headers": {"content-md5": md5} if md5 else {}})


@endpoint("POST")
def sign_object(request):
    """A small file's one presigned PUT, bound to its size and (when sent) its Content-MD5."""
    body = _json(request, 64 * 1024)
    size = _size(body, MAX_PART)
    md5 = body.get("md5")
    if md5 is not None and not (isinstance(md5, str) and MD5_BASE64.match(md5)):
        raise Failure(400, "bad-request", "md5 must be the base64 MD5 of the file")
    key = _key(body)
    params = {"Bucket": settings.AWS_STORAGE_BUCKET_NAME, "Key": key, "ContentLength": size}
    if md5:
        params["ContentMD5"] = md5  # signed: the URL only accepts these bytes
    expires = min(3600, max(1, settings.VCU_PART_URL_EXPIRES_IN))
    url = _s3().generate_presigned_url("put_object", Params=params, ExpiresIn=expires)
    headers = {"content-md5": md5} if md5 else {}
    return JsonResponse({"url": url, "headers": headers, "key": key, "size": size})


@endpoint("POST")
def sign_objects(request):
    """Up to MAX_BATCH small files' presigned POST forms, in the order asked, each bound to
    a key generated here and to the file's exact size. A form POST needs no CORS preflight,
    so each small file costs the browser one request. One bad entry refuses the batch."""
    if request.content_type != "application/json":
        raise Failure(415, "unsupported-media-type", "send Content-Type: application/json")
    files = _json(request, 256 * 1024).get("files")
    if not isinstance(files, list) or not files:
        raise Failure(400, "bad-request", "files must list at least one file")
    if len(files) > MAX_BATCH:
        raise Failure(413, "too-many-files", f"a batch may sign at most {MAX_BATCH} files")
    if not all(isinstance(f, dict) for f in files):
        raise Failure(400, "bad-request", "each file must be an object")
    wanted = [(_key(f), _size(f, MAX_PART), f.get("type")) for f in files]
    expires = min(3600, max(1, settings.VCU_PART_URL_EXPIRES_IN))
    objects = []
    for key, size, kind in wanted:
        # 201: S3's answer is XML that carries the object's ETag for the client to check.
        fields = {"success_action_status": "201"}
        if isinstance(kind, str) and CONTENT_TYPE.match(kind):
            fields["Content-Type"] = kind
        conditions = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", size, size])
        form = _s3().generate_presigned_post(
            settings.AWS_STORAGE_BUCKET_NAME, key, Fields=fields, Conditions=conditions, ExpiresIn=expires
        )
        objects.append({"key": key, "size": size, "url": form["url"], "fields": form["fields"]})
    return JsonResponse({"objects": objects})


@endpoint("GET")
def list_parts(request, upload_id):
    h = _open(request, upload_id)
    parts, marker = [], 0
    for _ in range(20):  # every page: S3 returns at most 1,000 parts per call
        page = _s3().list_parts(
            Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=h["k"], UploadId=h["u"], PartNumberMarker=marker
        )
        parts += [
            {"partNumber": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]} for p in page.get("Parts", [])
        ]
        if not page.get("IsTruncated"):
            return JsonResponse({"parts": parts})
        marker = int(page["NextPartNumberMarker"])
    raise Failure(502, "storage-error", "ListParts did not end")


@endpoint("POST")
def complete(request, upload_id):
    h = _open(request, upload_id)
    raw = _json(request, 2 * 1024**2).get("parts")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_PARTS:
        raise Failure(400, "bad-request", f"parts must list 1..{MAX_PARTS} parts")
    parts = []
    for p in raw:
        number, etag = (p.get("partNumber"), p.get("etag")) if isinstance(p, dict) else (None, None)
        if not isinstance(number, int) or not isinstance(etag, str) or not ETAG.match(etag):
            raise Failure(400, "bad-request", "each part needs partNumber and etag")
        parts.append({"PartNumber": number, "ETag": '"%s"' % etag.strip('"')})
    bucket, etag = settings.AWS_STORAGE_BUCKET_NAME, ""
    try:
        done = _s3().complete_multipart_upload(
            Bucket=bucket, Key=h["k"], UploadId=h["u"], MultipartUpload={"Parts": parts}
        )
        etag = done.get("ETag") or ""
    except ClientError as e:
        if not _gone(e):  # else a retried Complete whose first try went through
            raise
    head = _s3().head_object(Bucket=bucket, Key=h["k"])
    if head["ContentLength"] != h["s"]:
        _s3().delete_object(Bucket=bucket, Key=h["k"])
        raise Failure(422, "size-mismatch", "the object's size differs from the declared one")
    # Ceph RGW answers Complete with an empty <ETag></ETag>; HEAD has the real one.
    etag = (etag or head.get("ETag") or "").strip('"')
    return JsonResponse({"key": h["k"], "bucket": bucket, "etag": etag, "size": head["ContentLength"]})


@endpoint("DELETE")
def abort(request, upload_id):
    h = _open(request, upload_id)
    try:
        _s3().abort_multipart_upload(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=h["k"], UploadId=h["u"])
    except ClientError as e:
        if not _gone(e):  # an upload S3 no longer knows is aborted already
            raise
    return HttpResponse(status=204)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the protocol's JSON, not Django's HTML page."""
    return _err(403, "csrf", "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken")
