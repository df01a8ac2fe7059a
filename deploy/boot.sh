#!/bin/sh
# Container entry point for every service, worker and the gateway (SERVICE says which).
#   web (default)  migrate $SERVICE's database (unless MIGRATE_ON_BOOT=false), then exec gunicorn
#   worker         exec the event consumer + outbox relay: python -m services.$SERVICE.worker
#   migrate        only the migrations (a Kubernetes initContainer)
#   anything else  run as given, e.g. `python -m services.identity.create_admin`
set -eu

mode="${1:-web}"
case "$mode" in
  web | worker | migrate) ;;
  *) exec "$@" ;;
esac
case "${SERVICE:-}" in
  identity | sharing | documents | interventions | onboarding | mailer | web | gateway) ;;
  *)
    echo "boot.sh: set SERVICE to identity, sharing, documents, interventions, onboarding," \
      "mailer, web or gateway (got '${SERVICE:-}')" >&2
    exit 64
    ;;
esac
if { [ "$SERVICE" = gateway ] || [ "$SERVICE" = web ]; } && [ "$mode" != web ]; then
  echo "boot.sh: the $SERVICE has no database and no worker" >&2
  exit 64
fi

case "$mode" in
  migrate) exec python -m services.common.migrate "$SERVICE" ;;
  worker) exec python -m "services.$SERVICE.worker" ;;
esac

# PORT, else the service's usual port (identity 8081 ... gateway 8080), as with `make run`.
port="${PORT:-$(python -c "from services.common.config import SERVICE_PORTS; print(SERVICE_PORTS['$SERVICE'])")}"
# gunicorn's workers share Prometheus metrics through files; a previous run's would be summed in.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

if [ "$SERVICE" = gateway ]; then
  # gevent workers and their limits (gateway/gunicorn_conf.py); /metrics and the readiness
  # detail only on the admin port, which no Service or ingress routes.
  exec gunicorn -c python:gateway.gunicorn_conf --bind "0.0.0.0:$port" \
    --bind "0.0.0.0:${GATEWAY_ADMIN_PORT:-9080}" "gateway:create_app()"
elif [ "$SERVICE" = web ]; then
  set -- "web:create_app()"
else
  if [ "${MIGRATE_ON_BOOT:-true}" = true ]; then
    python -m services.common.migrate "$SERVICE"
  fi
  set -- "services.$SERVICE:create_app()"
fi
# --no-control-socket: gunicorn 27 instances sharing a host would otherwise fight over one socket.
# gthread: keep-alive with the gateway, and a long upload holds a thread, not a whole process.
exec gunicorn --no-control-socket --bind "0.0.0.0:$port" --workers "${WEB_CONCURRENCY:-2}" \
  --worker-class gthread --threads "${WEB_THREADS:-4}" \
  --graceful-timeout "${GRACEFUL_TIMEOUT:-20}" "$@"
