"""How gunicorn serves the gateway: `gunicorn -c python:gateway.gunicorn_conf -b PUBLIC -b ADMIN
'gateway:create_app()'` (bind the public port and GATEWAY_ADMIN_PORT).

gevent workers, because the gateway mostly waits on sockets and some of its clients are slow: a
connection costs a greenlet, not one of a few threads. Measured with 50 clients that send part of
their headers or body and stall: under gthread (8 threads) a plain GET behind them was still
waiting after 20 s; under gevent it was answered at once. gunicorn's async workers read the
request line and headers under the keep-alive timeout, so `keepalive` also bounds how long a
client may take to send them; bodies are bounded by the gateway itself (client_body.py).
Plain os.environ here: this file is read by the master, before gevent patches anything.
"""

import os

from gunicorn.http import wsgi

worker_class = "gateway.worker.GatewayWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Connections per worker, slow ones included; beyond this they wait in the listen backlog.
worker_connections = int(os.environ.get("GATEWAY_WORKER_CONNECTIONS", "1000"))
# Seconds to send the request line and headers, and to keep an idle connection open.
keepalive = int(os.environ.get("GATEWAY_HEADER_TIMEOUT", "10"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
# gunicorn 27 instances sharing a host would otherwise fight over one control socket.
control_socket_disable = True

_default_headers = wsgi.Response.default_headers


def _without_server(response: wsgi.Response) -> list[str]:
    # No `Server: gunicorn`: nothing tells a visitor which server, and so which flaws, to try.
    return [line for line in _default_headers(response) if not line.startswith("Server:")]


wsgi.Response.default_headers = _without_server
