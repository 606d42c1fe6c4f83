"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.conf.py config.wsgi`)."""

import os

bind = os.environ.get("UNMASK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("UNMASK_WEB_THREADS", "4"))
worker_class = "gthread"
# Large uploads stream for a while; the proxy in front enforces its own limits.
timeout = int(os.environ.get("UNMASK_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
