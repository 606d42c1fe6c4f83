"""Settings for the test suite: the production module with a throwaway var/ and an in-memory broker.

DATABASE_URL still applies, so the same suite runs on SQLite (default) and on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "unmask-test-suite-secret-key-not-for-production-0123456789")
os.environ.setdefault("UNMASK_VAR_DIR", tempfile.mkdtemp(prefix="unmask-test-"))
os.environ.setdefault("SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402,F403

# Tests that run a real worker point it at Redis themselves; everything else enqueues in memory.
CELERY_BROKER_URL = os.environ.get("UNMASK_TEST_BROKER_URL", "memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("UNMASK_BROKER_VISIBILITY_TIMEOUT_S", "3600")),
    "unacked_restore_throttle": 1,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A worker on the filesystem broker (tests/integration/test_worker_filesystem.py).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": os.environ["UNMASK_TEST_BROKER_DIR"],
        "data_folder_out": os.environ["UNMASK_TEST_BROKER_DIR"],
        "control_folder": os.environ["UNMASK_TEST_BROKER_DIR"] + "-control",
        "store_processed": False,
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory, so a worker process started by a test can open the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
# Login lockout is tested on its own (tests/security); elsewhere tests log in freely.
AXES_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# An existing (empty) directory: whitenoise warns about a missing one on every request.
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)
# Small limits keep the rejection tests fast; tests that need others override them.
UNMASK_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Throttle counters outlive a test's database (the cache is per process): the upload quota is
# off unless a test turns it on (tests/api/test_upload_quota.py).
UNMASK_UPLOAD_QUOTA_PER_MINUTE = 0
# Each test's bank is rolled back with it: no live-index snapshot outlives a test.
UNMASK_PROVENANCE_INDEX_DIR = ""
