#!/bin/sh
# One database and one owner role per service: a service reads and writes only its own database
# (DESIGN.md section 1). Run once by the postgres image on an empty data directory, with the
# <SERVICE>_DB_PASSWORD variables of deploy/.env (compose.yaml passes them).
set -eu
for service in identity sharing documents interventions onboarding mailer; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable")"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
-- Nobody but its owner may even connect to a service's database.
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
