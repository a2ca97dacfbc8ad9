"""Text that can be stored and shown: the one check every edge (API, sync, pages) applies to strings.

JSON may spell a lone UTF-16 surrogate ("\\ud83d"), which Python decodes into a str that no UTF-8
encoder accepts: the database driver refuses to store it, and a page that shows it cannot be
rendered. Such a string is not text, so it is refused at the edge with a field error (422) before
anything is written. NUL is refused too: PostgreSQL text cannot hold it and it is never meaningful.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields

NOT_TEXT = "Must be valid Unicode text (no unpaired surrogates)."
HAS_NUL = "Must not contain NUL characters."


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return HAS_NUL
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_TEXT
    return None


def invalid_text_paths(value, prefix: str = "") -> dict[str, list[str]]:
    """Every string (object keys included) in decoded JSON that is not storable text, by field path."""
    found: dict[str, list[str]] = {}
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            found[prefix or "_schema"] = [problem]
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            key_problem = text_problem(key) if isinstance(key, str) else None
            if key_problem:
                # The key itself cannot be echoed back as a path: name it by its position instead.
                found[f"{prefix}.<key>" if prefix else "<key>"] = [key_problem]
                continue
            found.update(invalid_text_paths(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(invalid_text_paths(item, f"{prefix}.{index}" if prefix else str(index)))
    return found


class Text(fields.String):
    """A string that is storable text: valid Unicode and free of NUL characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class Email(fields.Email, Text):
    """An e-mail address, storable text like every other string."""
