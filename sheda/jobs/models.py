"""A record of every background job run: which process ran it, what it changed, whether
it failed. It shows the loop runs once per server (one pid per tick, not one per worker)
and feeds the job counters of /metrics."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JobRun(Model):
    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=40)
    pid = fields.IntField()
    started_at = fields.DatetimeField()
    duration_ms = fields.IntField()
    affected = fields.IntField(default=0)
    ok = fields.BooleanField()
    error = fields.TextField(null=True)

    class Meta:
        table = "job_runs"
        indexes = (("started_at",), ("job", "started_at"))
