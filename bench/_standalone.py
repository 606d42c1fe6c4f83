"""Django for in-process benchmarks: the test settings on a throwaway SQLite database.

`BENCH_<NAME>_VAR=/some/dir` keeps the seeded database there between runs (for profiling).
"""

import os
import tempfile


def setup_django(name: str) -> tuple[str, bool]:
    """Configure and start Django; return the var directory and whether to keep it."""
    keep = os.environ.get(f"BENCH_{name.upper()}_VAR", "")
    var = keep or tempfile.mkdtemp(prefix=f"unmask-bench-{name}-")
    os.environ["UNMASK_VAR_DIR"] = var
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    return var, bool(keep)
