"""The ways Attune is started (bin/run, docker-compose) keep beat out of the workers and give
the broker its own Redis database, and compose uses the two database roles of production; the
lock CI installs and audits covers pyproject.toml."""

import re
import runpy
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _embeds_beat(command: str) -> bool:
    return " worker" in command and bool(re.search(r"(--beat|\s-B)(\s|$)", command))


def test_compose_runs_exactly_one_beat_and_no_worker_embeds_it():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = {name: str(svc.get("command", "")) for name, svc in services.items()}
    assert not [name for name, cmd in commands.items() if _embeds_beat(cmd)]
    beats = [name for name, cmd in commands.items() if re.search(r"celery .*\bbeat\b", cmd)]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"]  # a replica count would start a second scheduler


def test_compose_broker_and_cache_are_separate_redis_databases():
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]
    assert app["CELERY_BROKER_URL"] != app["REDIS_URL"]


APP_SERVICES = ("web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _database_urls(service: dict) -> tuple[str, str | None]:
    environment = service["environment"]
    return environment["DATABASE_URL"], environment.get("DATABASE_OWNER_URL")


def test_compose_serves_as_the_app_role_and_migrates_as_the_owner():
    """As in production (README, "Database roles"): requests and tasks run as a role that is
    neither owner nor superuser and never holds the owner's password; one step migrates as
    the owner before anything else starts."""
    services = _compose()["services"]
    for name in APP_SERVICES:
        app_url, owner_url = _database_urls(services[name])
        assert owner_url is None, f"{name} must not hold the owner's credentials"
        assert urlsplit(app_url).username == "attune_app"
        assert "migrate" not in str(services[name].get("command", ""))
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    migrate = services["migrate"]
    assert str(migrate["command"]).split()[-2:] == ["migrate", "--noinput"]
    app_url, owner_url = _database_urls(migrate)
    app, owner = urlsplit(app_url), urlsplit(owner_url or "")
    # The migrations grant the app role its rights, so the migrate step knows both roles,
    # on the same database.
    assert (owner.username, app.username) == ("attune_owner", "attune_app")
    assert (owner.hostname, owner.port, owner.path) == (app.hostname, app.port, app.path)
    assert migrate["depends_on"]["db"] == {"condition": "service_healthy"}
    # Nothing of Attune's connects as the database server's superuser.
    superuser = services["db"]["environment"]["POSTGRES_USER"]
    for name, service in services.items():
        if name != "db" and "environment" in service:
            urls = [u for u in _database_urls(service) if u]
            assert all(urlsplit(u).username != superuser for u in urls), name


def test_compose_creates_both_roles_as_bin_db_roles_does():
    """The database container's first-start script makes the owner (who owns the database)
    and the app role with the options bin/db-roles gives them on a development machine."""
    db = _compose()["services"]["db"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in db["volumes"]}
    init_dir = ROOT / mounts["/docker-entrypoint-initdb.d"]
    scripts = sorted(init_dir.glob("*.sh"))
    assert scripts, "no first-start script for the database"
    script = "\n".join(path.read_text() for path in scripts)
    roles = runpy.run_path(str(ROOT / "bin" / "db-roles"))["ROLES"]
    for role, options in roles.items():
        match = re.search(rf"CREATE ROLE {role} ([A-Z ]+) PASSWORD", script)
        assert match, f"{role} is not created"
        assert set(match.group(1).split()) == set(options.split()), role
    database = urlsplit(_compose()["x-environment"]["DATABASE_URL"]).path.lstrip("/")
    assert f"CREATE DATABASE {database} OWNER attune_owner;" in script
    # Passwords reach psql as variables it quotes itself, never pasted into the SQL.
    assert ":'owner_password'" in script and ":'app_password'" in script
    for variable in ("ATTUNE_OWNER_PASSWORD", "ATTUNE_APP_PASSWORD"):
        assert variable in db["environment"]
    # Healthy only once the first-start script has run (the image listens on TCP only then).
    assert "-h 127.0.0.1" in " ".join(db["healthcheck"]["test"])


def test_bin_run_starts_beat_separately_from_the_worker():
    script = (ROOT / "bin" / "run").read_text()
    worker_lines = [line for line in script.splitlines() if "celery -A clinic worker" in line]
    assert worker_lines and not any(_embeds_beat(line) for line in worker_lines)
    assert len(re.findall(r"celery -A clinic beat", script)) == 1


def test_image_collects_static_files_with_the_production_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect = next(chunk for chunk in dockerfile.split("\nRUN ") if "collectstatic" in chunk)
    assert "DEBUG=false" in collect and "DEBUG=true" not in dockerfile
    assert "staticfiles.json" in collect  # the build fails without the manifest
    assert 'CMD ["gunicorn"' in dockerfile


def _locked_pins() -> dict[str, tuple[str, str]]:
    """requirements.lock as {normalised name: (version, the pin's whole entry)}."""
    pins = {}
    for entry in re.split(r"\n(?=\S)", (ROOT / "requirements.lock").read_text()):
        match = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", entry)
        if match:
            pins[canonicalize_name(match.group(1))] = (match.group(2), entry)
    return pins


def test_the_lock_pins_every_dependency_of_pyproject_with_hashes():
    """CI installs from requirements.lock and pip-audit checks it: a dependency added to
    pyproject.toml without `bin/lock` would be neither pinned nor audited."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    pins = _locked_pins()
    problems = []
    for requirement in wanted:
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{requirement} but requirements.lock pins {pin[0]}")
    assert problems == [], "run bin/lock: " + "; ".join(problems)
    assert len(pins) > len(wanted)  # the transitive dependencies are pinned too
    unhashed = [name for name, (_, entry) in pins.items() if "--hash=sha256:" not in entry]
    assert unhashed == []
