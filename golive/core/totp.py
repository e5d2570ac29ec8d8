"""An approver's one-time code (RFC 6238, `pyotp`), checked against their secret: pure, no I/O.

`check_code` accepts a code of the time step of `at` or of the step on either side (clock skew,
typing, the gate's poll), and refuses a code whose step is not later than the last step that
approver already used in the launch: a code is good once (RFC 6238 §5.2), and a seen code cannot
be sent again. What is refused says why in words that never hold the code or the secret.
"""

from __future__ import annotations

import binascii
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import pyotp

WINDOW_STEPS = 1  # steps accepted on either side of the current one


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    step: int | None = None  # the time step the code is of (kept, to refuse its replay)
    why: str = ""  # why it was refused; never the code


def totp_of(secret: str) -> pyotp.TOTP:
    """A TOTP from a stored secret: base32 text, or an `otpauth://totp/...` URI."""
    text = secret.strip()
    if text.startswith("otpauth://"):
        parsed = pyotp.parse_uri(text)
        if not isinstance(parsed, pyotp.TOTP):
            raise ValueError("not a TOTP URI")
        return parsed
    return pyotp.TOTP(text)


def check_code(
    secret: str, code: str, at: float, used: Iterable[int] = (), window: int = WINDOW_STEPS
) -> CodeCheck:
    """Is `code` this secret's code at unix time `at` (± `window` steps), and not a replay?"""
    try:
        totp = totp_of(secret)
        now = totp.timecode(at)
        candidates = [totp.generate_otp(now + offset) for offset in range(-window, window + 1)]
    except (ValueError, TypeError, binascii.Error):
        return CodeCheck(False, why="the secret stored for this approver is not a TOTP secret")
    digits = "".join(code.split())
    if len(digits) != totp.digits or not digits.isdigit():
        return CodeCheck(False, why=f"not a {totp.digits}-digit code")
    matched = [
        now + offset
        for offset, expected in zip(range(-window, window + 1), candidates, strict=True)
        if hmac.compare_digest(expected, digits)
    ]
    if not matched:
        return CodeCheck(False, why="wrong code")
    last = max(used, default=None)
    fresh = [step for step in matched if last is None or step > last]
    if not fresh:
        return CodeCheck(
            False, step=matched[-1], why="a code already used (its time step was used before)"
        )
    return CodeCheck(True, step=fresh[-1])
