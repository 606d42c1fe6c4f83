"""Integrations: outgoing webhooks (an outbox delivered by Celery) and API idempotency keys."""
