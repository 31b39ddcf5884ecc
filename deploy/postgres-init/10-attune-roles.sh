#!/bin/sh
# First start of the database container only (the official image runs this from
# /docker-entrypoint-initdb.d while the data directory is empty): Attune's two roles, as in
# production (README, "Database roles"). The owner owns the database and runs migrations; the
# app role serves requests and runs tasks, is neither owner nor superuser, has no BYPASSRLS.
# The passwords come in as psql variables, quoted by psql itself.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$ATTUNE_OWNER_PASSWORD" -v app_password="$ATTUNE_APP_PASSWORD" <<'SQL'
CREATE ROLE attune_owner LOGIN CREATEDB BYPASSRLS NOSUPERUSER NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE attune_app LOGIN NOCREATEDB NOBYPASSRLS NOSUPERUSER NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE attune OWNER attune_owner;
\connect attune
-- Tables are created by the owner in public; nobody else may create objects there.
ALTER SCHEMA public OWNER TO attune_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
