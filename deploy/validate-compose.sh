#!/usr/bin/env bash
# Validates docker-compose.yml with Compose itself (no Docker engine needed):
# `docker-compose config` resolves variables and checks the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v docker-compose >/dev/null 2>&1; then
  docker-compose -f docker-compose.yml config --quiet
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config --quiet
else
  echo "neither docker-compose nor the docker compose plugin is installed (Debian: apt-get install docker-compose)" >&2
  exit 1
fi
echo "docker-compose.yml is valid"
