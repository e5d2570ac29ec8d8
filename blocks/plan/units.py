"""Units are part of the data: the plan's durations, percents, latencies and request rates.

Durations are written '800ms', '3s', '10m', '1h' and held as seconds (`Duration`), percents
are written '0.5%' and held as fractions (`Percent`), latency thresholds are written '800ms'
or '0.8s' and held as milliseconds (`LatencyMs`), request rates are written '50/s' or
'3000/min' (or a bare number of requests per second) and held per second (`RequestRate`).
Each is a float that keeps its original text for display; `parse_*` read one from plan
text, and the Annotated aliases (`PositiveDuration`, `Fraction`, ...) add the bounds the
models use.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from blocks.plan.errors import PlanValueError

_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION_RE = re.compile(rf"{_NUMBER}\s*(ms|s|m|h|d)")
_PERCENT_RE = re.compile(rf"{_NUMBER}\s*%")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

_DURATION_HINT = "a duration with a unit such as '800ms', '3s', '10m', '1h' or '7d'"
_PERCENT_HINT = "a percent such as '0.5%'"
_LATENCY_HINT = "a latency with a unit such as '800ms' or '0.8s'"
_RATE_RE = re.compile(rf"{_NUMBER}\s*/\s*(s|min)")
_RATE_HINT = "a request rate such as '50/s' or '3000/min', or a number of requests per second"
_SECONDS_PER_RATE_UNIT = {"s": 1.0, "min": 60.0}


class _TextNumber(float):
    """A float that remembers how it was written, so messages show '10m' and not 600.0."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, number: float, text: str) -> Self:
        self = super().__new__(cls, number)
        self.text = text
        return self

    def __repr__(self) -> str:
        return repr(self.text)

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[Any, ...]:  # pickle/deepcopy keep the text
        return (type(self), (float(self), self.text))

    # Each unit defines `_parse(value) -> Self` and `_json_example: ClassVar[str]`.
    _json_example: ClassVar[str]

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._parse,  # type: ignore[attr-defined]
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.text),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "examples": [cls._json_example]}


class Duration(_TextNumber):
    """Seconds, written with a unit: '800ms', '3s', '10m', '1h'."""

    @property
    def seconds(self) -> float:
        return float(self)

    @property
    def timedelta(self) -> timedelta:
        return timedelta(seconds=float(self))

    @classmethod
    def _parse(cls, value: object) -> Duration:
        return parse_duration(value)

    _json_example = "10m"


class Percent(_TextNumber):
    """A fraction written as a percent: '0.5%' is 0.005."""

    @property
    def percent(self) -> float:
        return float(self) * 100

    @classmethod
    def _parse(cls, value: object) -> Percent:
        return parse_percent(value)

    _json_example = "0.5%"


class LatencyMs(_TextNumber):
    """Milliseconds, written '800ms' or '0.8s'."""

    @property
    def seconds(self) -> float:
        return float(self) / 1000

    @classmethod
    def _parse(cls, value: object) -> LatencyMs:
        return parse_latency_ms(value)

    _json_example = "800ms"


class RequestRate(_TextNumber):
    """Requests per second, written '50/s', '3000/min' or as a bare number (per second)."""

    @property
    def per_second(self) -> float:
        return float(self)

    @classmethod
    def _parse(cls, value: object) -> RequestRate:
        return parse_rate(value)

    _json_example = "50/s"


def _as_text(value: object) -> str | None:
    """The text of a str (or of another unit's number); None for anything else."""
    if isinstance(value, _TextNumber):
        return value.text
    return value.strip() if isinstance(value, str) else None


def parse_duration(value: object) -> Duration:
    """'800ms' | '3s' | '10m' | '1h' -> Duration (seconds). A bare number is an error: which unit?"""
    if isinstance(value, Duration):
        return value
    text = _as_text(value)
    match = _DURATION_RE.fullmatch(text) if text is not None else None
    if match:
        return Duration(float(match[1]) * _SECONDS_PER_UNIT[match[2]], text)
    if text is not None and _PERCENT_RE.fullmatch(text):
        raise PlanValueError(value, "a duration such as '10m', not a percent")
    raise PlanValueError(value, _DURATION_HINT)


def parse_percent(value: object) -> Percent:
    """'0.5%' -> Percent(0.005). A bare number is an error: fraction or percent?"""
    if isinstance(value, Percent):
        return value
    text = _as_text(value)
    match = _PERCENT_RE.fullmatch(text) if text is not None else None
    if match:
        return Percent(float(match[1]) / 100, text)
    if text is not None and _DURATION_RE.fullmatch(text):
        raise PlanValueError(value, f"{_PERCENT_HINT}, not a duration")
    raise PlanValueError(value, f"{_PERCENT_HINT} (with the % sign)")


def parse_latency_ms(value: object) -> LatencyMs:
    """'800ms' | '0.8s' -> LatencyMs(800.0)."""
    if isinstance(value, LatencyMs):
        return value
    text = _as_text(value)
    match = _DURATION_RE.fullmatch(text) if text is not None else None
    if match and match[2] in ("ms", "s"):
        return LatencyMs(float(match[1]) * _SECONDS_PER_UNIT[match[2]] * 1000, text)
    raise PlanValueError(value, _LATENCY_HINT)


def parse_rate(value: object) -> RequestRate:
    """'50/s' | '3000/min' | 50 -> RequestRate (requests per second, more than zero)."""
    if isinstance(value, RequestRate):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, text = float(value), f"{value:g}/s"
    else:
        text = _as_text(value)
        match = _RATE_RE.fullmatch(text) if text is not None else None
        if match is None and text is not None and re.fullmatch(_NUMBER, text):
            number, text = float(text), f"{text}/s"
        elif match is None:
            raise PlanValueError(value, _RATE_HINT)
        else:
            number = float(match[1]) / _SECONDS_PER_RATE_UNIT[match[2]]
    if not number > 0 or number != number or number == float("inf"):
        raise PlanValueError(value, f"{_RATE_HINT}, more than zero")
    return RequestRate(number, text)


def _positive(value: _TextNumber) -> _TextNumber:
    if value <= 0:
        raise PlanValueError(value, "must be more than zero")
    return value


def _at_most_100(value: Percent) -> Percent:
    if value > 1:
        raise PlanValueError(value, "at most 100%")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
PositiveLatency = Annotated[LatencyMs, AfterValidator(_positive)]
Fraction = Annotated[Percent, AfterValidator(_at_most_100)]  # 0%..100%
PositiveFraction = Annotated[Percent, AfterValidator(_positive), AfterValidator(_at_most_100)]
PositivePercent = Annotated[Percent, AfterValidator(_positive)]  # may exceed 100% (e.g. slowdown)
