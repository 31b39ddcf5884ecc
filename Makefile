.PHONY: run test lint format bench

run:  ## run Attune (web app, API; worker and beat when a broker is set) with demo data
	bin/run

test:  ## the whole test suite against PostgreSQL and Redis
	bin/test

lint:
	bin/venv && .venv/bin/ruff check . && .venv/bin/ruff format --check . && DEBUG=true .venv/bin/mypy

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
