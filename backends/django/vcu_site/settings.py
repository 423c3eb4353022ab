"""Settings of the example site: everything S3 comes from the environment.

S3_BUCKET (required), S3_ENDPOINT (omit for AWS; MinIO, R2, Ceph), S3_REGION,
S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (else boto3's own chain: AWS_* variables, profiles,
instance roles), VCU_S3_SECRET (HMAC key of upload ids), VCU_PART_URL_EXPIRES_IN (seconds).
"""
import os
import secrets

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
# Django >= 4 also checks the Origin header of unsafe requests against these.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "s3uploads",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "vcu_site.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", ":memory:"),
    }
}
# Sessions in signed cookies: the example needs no database tables.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AWS_STORAGE_BUCKET_NAME = os.environ.get("S3_BUCKET", "")
AWS_S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT") or None
AWS_S3_REGION_NAME = os.environ.get("S3_REGION", "us-east-1")
AWS_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
VCU_S3_SECRET = os.environ.get("VCU_S3_SECRET") or secrets.token_urlsafe(32)
VCU_PART_URL_EXPIRES_IN = int(os.environ.get("VCU_PART_URL_EXPIRES_IN", "300"))
CSRF_FAILURE_VIEW = "s3uploads.views.csrf_failure"
