"""How gunicorn serves the gateway: `gunicorn -c python:gateway.gunicorn_conf -b PUBLIC -b ADMIN
'gateway:create_app()'` (bind the public port and GATEWAY_ADMIN_PORT).

gevent, because the gateway mostly waits on sockets and some of its clients are slow: a
connection costs a greenlet, not one of a few threads. Measured with 50 clients that send part of
their headers or body and stall: under gthread (8 threads) a plain GET behind them was still
waiting after 20 s; under gevent it was answered at once. The worker is the gateway's own
(gateway/worker.py): gevent's pywsgi server, which costs less CPU per request than gunicorn's
gevent worker. It reads the request line and headers under `keepalive`, which so also bounds how
long a client may take to send them; bodies are bounded by the gateway itself (client_body.py).
Plain os.environ here: this file is read by the master, before gevent patches anything.
"""

import os

worker_class = "gateway.worker.GatewayWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Connections per worker, slow ones included; beyond this they wait in the listen backlog.
worker_connections = int(os.environ.get("GATEWAY_WORKER_CONNECTIONS", "1000"))
# Seconds to send the request line and headers, and to keep an idle connection open.
keepalive = int(os.environ.get("GATEWAY_HEADER_TIMEOUT", "10"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
# gunicorn 27 instances sharing a host would otherwise fight over one control socket.
control_socket_disable = True
