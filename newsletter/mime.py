"""Building the confirmation mail's bytes directly: a fixed multipart/alternative layout.

Why not `email.message.EmailMessage`: with the default policy every header is parsed into a
header object and refolded, and the body goes through the content manager; that costs several
milliseconds of CPU per message, more than everything else the service does for one
subscription. The layout here never varies (a few headers, a text part and an HTML part, both
UTF-8), so it is written out by hand:

- header values: ASCII as-is (the List-Unsubscribe URL stays one token, never folded into
  RFC 2047 words that mail providers would not parse); non-ASCII values (Subject, display names)
  as RFC 2047 base64 encoded words of at most 75 characters, folded with CRLF + space;
- bodies: base64 in 76-character lines (the parts are mostly Cyrillic or HTML);
- CRLF line ends throughout (what SMTP sends; .eml readers accept it).

Header values are checked for CR/LF (no header injection even if a caller forgets to
validate). The tests parse the result back with the standard library's strict policy.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

CRLF = "\r\n"
_MAX_WORD_BYTES = 39  # -> 52 base64 chars, 64 with "=?utf-8?b??=": "Subject: " + word < 78


@dataclass(frozen=True)
class Mail:
    """One outgoing message: the envelope addresses and the full RFC 5322 bytes."""

    sender: str  # envelope sender (bare address)
    recipient: str  # envelope recipient (bare address)
    data: bytes


def encode_header_value(value: str) -> str:
    """A header value safe for the wire: ASCII unchanged, else RFC 2047 encoded words."""
    if "\r" in value or "\n" in value:
        raise ValueError("header values must not contain CR or LF")
    if value.isascii():
        return value
    raw = value.encode("utf-8")
    words, start = [], 0
    while start < len(raw):
        end = min(start + _MAX_WORD_BYTES, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        words.append("=?utf-8?b?" + base64.b64encode(raw[start:end]).decode("ascii") + "?=")
        start = end
    return (CRLF + " ").join(words)


def encode_address(display: str, address: str) -> str:
    """`Display Name <address>` with the name quoted or encoded as needed."""
    if not display:
        return address
    if display.isascii():
        escaped = display.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{address}>'
    return f"{encode_header_value(display)} <{address}>"


def _base64_lines(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return CRLF.join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def _checked(name: str, value: str) -> str:
    """A wire-ready header value: ASCII, and line breaks only as folding (CRLF + space)."""
    unfolded = value.replace(CRLF + " ", "")
    if not value.isascii() or "\r" in unfolded or "\n" in unfolded:
        raise ValueError(f"header {name}: value is not wire-ready (use encode_header_value)")
    return value


def alternative(headers: list[tuple[str, str]], text: str, html: str) -> bytes:
    """multipart/alternative (text, then HTML) with `headers`, whose values are wire-ready
    (from `encode_header_value` / `encode_address`)."""
    boundary = "=_" + uuid.uuid4().hex[:24]  # keeps the Content-Type line under 78
    lines = [f"{name}: {_checked(name, value)}" for name, value in headers]
    lines += ["MIME-Version: 1.0",
              f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]
    for subtype, body in (("plain", text), ("html", html)):
        lines += [f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                  "Content-Transfer-Encoding: base64", "", _base64_lines(body)]
    lines += [f"--{boundary}--", ""]
    return CRLF.join(lines).encode("ascii")
