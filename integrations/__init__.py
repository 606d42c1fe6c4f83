"""Integrations: outgoing webhooks (an outbox delivered by Celery)."""
