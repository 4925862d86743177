"""Prometheus metrics of one server process (``GET /metrics``).

Example:
    >>> m = Metrics()
    >>> m.requests.labels(route="/detect", status="200").inc()
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)


class Metrics:
    """Requests, errors, latency, batch sizes and queue depth, in a registry of their own."""

    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "zoo_requests", "HTTP requests by route and status", ["route", "status"], registry=r
        )
        self.errors = Counter(
            "zoo_request_errors", "Requests answered 4xx/5xx, by route and status",
            ["route", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "zoo_request_latency_seconds", "Time from request to response, by route",
            ["route"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.batch_size = Histogram(
            "zoo_batch_size", "Items (images, sentences) per model call, by model",
            ["model"], buckets=BATCH_BUCKETS, registry=r,
        )  # fmt: skip
        self.queue_depth = Gauge(
            "zoo_queue_depth", "Requests waiting for a batch, by model", ["model"], registry=r
        )
        self.in_flight = Gauge("zoo_in_flight", "Requests being handled", registry=r)
        self.rejected = Counter(
            "zoo_queue_rejected", "Requests refused with 503 (queue full), by model",
            ["model"], registry=r,
        )  # fmt: skip

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
