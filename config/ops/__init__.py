"""Operations: health and readiness probes, Prometheus metrics, structured logs with request ids.

It lives under `config/` because it is the top of the layering, like the URLconf: it may read
every app's models (the metrics collector counts clips, deliveries, SLA breaches; readiness looks
for the active detector), and no app imports it. The core (`dashboard`) in particular knows
nothing of it; it observes through Celery signals, a middleware and queries at scrape time.
"""
