"""Numbers with units, as check values and thresholds show them (pure)."""

from __future__ import annotations

import math


def ms(value: float, versus: float | None = None) -> str:
    """'43 ms'; with more decimals when rounding would make `value` look equal to `versus`.

    So a reason never reads '800 ms >= 800 ms' for 799.6 ms against 800 ms.
    """
    for decimals in range(4):
        text = f"{value:.{decimals}f}"
        if versus is None or value == versus or text != f"{versus:.{decimals}f}":
            return f"{text} ms"
    return f"{value:.4f} ms"


def budget_ms(value: float) -> str:
    """A threshold from the plan: 500.0 -> '500 ms', 0.5 -> '0.5 ms'."""
    return f"{value:g} ms"


def percent(fraction: float, decimals: int = 2) -> str:
    """0.004 -> '0.40 %'."""
    return f"{fraction * 100:.{decimals}f} %"


def percent_limit(fraction: float) -> str:
    """A threshold from the plan: 0.005 -> '0.5 %', 0.01 -> '1 %'."""
    return f"{round(fraction * 100, 6):g} %"


def is_at_least(value: float, threshold: float) -> bool:
    """value >= threshold, counting float noise as equal ('0.3%' vs 3/1000 errors)."""
    return value >= threshold or math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-12)


def md_cell(text: object) -> str:
    """Text that stays inside one markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def elapsed(seconds: float) -> str:
    """A wall-clock span: 42 -> '42 s', 312 -> '5 min 12 s', 3725 -> '1 h 2 min'."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


ELLIPSIS = "…"
_SENTENCE_ENDS = (". ", "; ", "! ", "? ")


def shorten(text: object, limit: int) -> str:
    """`text` in at most `limit` characters, cut where a reader would cut it.

    Text that fits is returned as is. Otherwise it ends at the last sentence or clause
    ('. ', '; ') that keeps at least half of the room, else at the last space, and an
    ellipsis says something was left out; only a single word longer than the room is cut
    mid-word. So a message never reads '(expected stat. Halting launch…'.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    text = str(text)
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[: room + 1]  # one more: a boundary right after the room still counts
    sentence = max(head.rfind(end) for end in _SENTENCE_ENDS)
    if sentence >= room // 2:
        cut = head[: sentence + 1]
    else:
        space = head.rfind(" ")
        cut = head[:space] if space > 0 else text[:room]
    return cut[:room].rstrip(" ,;:.-—") + ELLIPSIS
