"""The database roles a benchmark's server connects as.

Production serves requests as the app role (neither owner nor superuser), so row-level security
applies to every tenant query; a superuser bypasses it. A benchmark database is therefore made
as a deployment makes it: owned by the owner role, migrated by it (which grants the app role
its rights and enables row security), and served as the app role. The benchmark process itself
stays a superuser: it bulk-loads the rows (COPY with triggers off) and counts queries.
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from bench.caseload import PG, ROOT


def production_roles(database: str) -> dict[str, str]:
    """Create the owner and app roles (bin/db-roles), give `database` to the owner and migrate
    it as the owner. Returns the server's environment for the app role: DATABASE_URL and
    DATABASE_OWNER_URL."""
    import os

    import psycopg

    printed = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "db-roles"), f"{PG}/{database}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    urls = dict(
        line.removeprefix("export ").split("=", 1)
        for line in printed.splitlines()
        if line.startswith("export ")
    )
    owner = urlsplit(urls["DATABASE_OWNER_URL"]).username
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE {database} OWNER TO "{owner}"')
    env = {**os.environ, **urls}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    return urls
