"""The outbox: CRM writes as rows, delivered by Celery, one DeliveryAttempt row per try.

Apps register their kinds (what a row is and how a batch of them is sent) in their
`AppConfig.ready` with `delivery.kinds.register(...)`; this package names no app above it.
"""
