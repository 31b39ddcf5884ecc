"""The ways Attune is started (bin/run, docker-compose) keep beat out of the workers and give
the broker its own Redis database; the lock CI installs and audits covers pyproject.toml."""

import re
import tomllib
from pathlib import Path

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
