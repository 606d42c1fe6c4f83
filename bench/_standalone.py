"""Django for in-process benchmarks: the test settings on a throwaway SQLite database.

`BENCH_<NAME>_VAR=/some/dir` keeps the seeded database there between runs (for profiling).
"""

import os
import tempfile


def setup_django(name: str, *, var: str = "", database_url: str = "") -> tuple[str, bool]:
    """Configure and start Django; return the var directory and whether to keep it.

    `var` keeps that directory (and its SQLite database) like BENCH_<NAME>_VAR does;
    `database_url` runs on that database (PostgreSQL) instead of SQLite.
    """
    keep = var or os.environ.get(f"BENCH_{name.upper()}_VAR", "")
    if keep:
        os.makedirs(keep, exist_ok=True)
    var = keep or tempfile.mkdtemp(prefix=f"unmask-bench-{name}-")
    os.environ["UNMASK_VAR_DIR"] = var
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    return var, bool(keep)
