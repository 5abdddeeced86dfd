#!/usr/bin/env bash
# Validates docker-compose.yml with Compose itself (no Docker engine needed): `config` resolves
# variables and checks the schema, twice: the demo (deploy/demo.env, profile demo) and real use
# (secrets from the environment; placeholders here). Without the secrets Compose must refuse.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "neither docker-compose nor the docker compose plugin is installed (Debian: apt-get install docker-compose)" >&2
  exit 1
fi
"${compose[@]}" --env-file deploy/demo.env --profile demo -f docker-compose.yml config --quiet
CLICKHOUSE_PASSWORD=x GRAFANA_CLICKHOUSE_PASSWORD=x GRAFANA_ADMIN_PASSWORD=x SLO_PII_HMAC_KEY=x \
  "${compose[@]}" -f docker-compose.yml config --quiet
# An empty env file, so a local .env does not supply the secrets.
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
refusal=$(env -u CLICKHOUSE_PASSWORD -u GRAFANA_CLICKHOUSE_PASSWORD -u GRAFANA_ADMIN_PASSWORD -u SLO_PII_HMAC_KEY \
  "${compose[@]}" --env-file "$empty" -f docker-compose.yml config --quiet 2>&1) && {
  echo "docker-compose.yml starts without its secrets: a password falls back to a default" >&2
  exit 1
}
if ! grep -q "is not set - put it in .env" <<<"$refusal"; then
  echo "docker-compose.yml without its secrets failed for another reason: $refusal" >&2
  exit 1
fi
echo "docker-compose.yml is valid"
