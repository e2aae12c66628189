"""When each clinician sees clients: weekly hours. Not client data, so stored in clear."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Availability(models.Model):
    """A block of a clinician's week in which sessions may be booked (local time of the practice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField()  # 0 Monday .. 6 Sunday
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ("weekday", "starts")

    def __str__(self) -> str:
        return f"Availability {self.weekday} {self.starts}-{self.ends}"
