"""Dates written the way simonwillison.net writes them (always in UTC), and how long ago
something happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def ordinal(day: int) -> str:
    """``1`` → ``1st``, ``2`` → ``2nd``, ``11`` → ``11th``, ``22`` → ``22nd``."""
    teens = 10 <= day % 100 <= 20
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _utc(dt: datetime) -> datetime:
    """``dt`` in UTC; a naive datetime is taken to be UTC already."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def site_date(dt: datetime) -> str:
    """The long form, e.g. ``15th November 2023, 9:31 pm``."""
    dt = _utc(dt)
    hour = dt.hour % 12 or 12
    half = "am" if dt.hour < 12 else "pm"
    return f"{ordinal(dt.day)} {_MONTHS[dt.month - 1]} {dt.year}, {hour}:{dt.minute:02d} {half}"


def site_day(dt: datetime) -> str:
    """The short form for list rows, e.g. ``15th Nov 2023``."""
    dt = _utc(dt)
    return f"{ordinal(dt.day)} {_MONTHS[dt.month - 1][:3]} {dt.year}"


def ago(age: timedelta) -> str:
    """How long ago, in short: ``just now``, ``12 min ago``, ``3 h ago``, ``4 d ago``."""
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"
