"""The smoke test's part of the execution input (``SmokeTest``) and what the action checks before it.

docs/state-machine.md, "Smoke test". What reaches the container is what Step Functions' aws-sdk
integration makes of the ``Body`` argument, and a blob member given a string arrives JSON-encoded,
quotes included (LocalStack's snapshot of S3 PutObject recorded against AWS; docs/emulator.md). No AWS
page states the encoding, so the body travels as a JSON value, an object or an array, which the
integration writes as its compact JSON under either reading: ``{"instances": [[1, 2]]}`` arrives as
``{"instances":[[1,2]]}``. A JSON string, a number or a non-JSON text would not arrive as written, so
the action refuses them (``smoke-test-payload``), and so it refuses a content type other than JSON
(``smoke-test-content-type``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canary.smoke_pattern import MAX_AUTOMATON_BYTES, PatternError, compile_pattern

MAX_BODY_BYTES = 131_072
"""Bytes the body may take in the execution input (half of Step Functions' 256 KiB): its compact JSON
as the document carries it, non-ASCII characters escaped (``é`` is the six bytes ``\\u00e9``)."""
JSON_MEDIA_TYPE = re.compile(r"^application/(?:[A-Za-z0-9!#$&^_.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)
"""``application/json``, ``application/vnd.x+json``, with parameters (``; charset=utf-8``)."""


def body_bytes(body: Any) -> int:
    """Bytes ``body`` takes in the execution input as :meth:`ExecutionInput.to_json` writes it."""
    return len(json.dumps(body, separators=(",", ":")).encode("utf-8"))


def content_type_problem(content_type: str) -> str | None:
    """Why a smoke test cannot send a body of this content type faithfully, or None."""
    if JSON_MEDIA_TYPE.match(content_type):
        return None
    return (
        f"{content_type[:80]!r} is not a JSON media type: Step Functions sends the smoke test's body as "
        "JSON (a text body would arrive quoted, as a JSON string), so only application/json (or "
        "application/…+json) can be sent as written; remove smoke-test-payload to deploy this model "
        "without a smoke test"
    )


def json_body(text: str) -> dict[str, Any] | list[Any]:
    """The body ``text`` as the JSON value the execution input carries; ValueError says why not."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"is not JSON ({error.msg} at line {error.lineno} column {error.colno}): Step Functions sends "
            'the body as JSON, so give a JSON object or array, e.g. {"instances": [[1, 2]]}'
        ) from None
    if not isinstance(value, dict | list):
        raise ValueError(
            f"is a JSON {type(value).__name__}, not an object or array: Step Functions would send it "
            'JSON-encoded (a string arrives quoted), so wrap it, e.g. {"inputs": "…"}'
        )
    size = body_bytes(value)
    if size > MAX_BODY_BYTES:
        raise ValueError(
            f"the body takes {size:,} bytes in the execution input (UTF-8, non-ASCII characters escaped), "
            f"more than the {MAX_BODY_BYTES:,} it may: send a smaller request"
        )
    return value


class SmokeTestSettings(BaseModel):
    """One request the new variant alone must answer before it takes traffic (InvokeEndpoint with
    ``TargetVariant``). A first deploy runs it before it is declared deployed."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    Body: dict[str, Any] | list[Any] = Field(
        description="The request body, a JSON object or array: Step Functions sends its compact JSON "
        f"(at most {MAX_BODY_BYTES:,} bytes in this document)."
    )
    ContentType: str = Field(default="application/json", min_length=1, max_length=1024, pattern=r"(?i)json")
    Accept: str = Field(default="application/json", min_length=1, max_length=1024)
    Expect: str = Field(
        default="",
        max_length=1024,
        description="The regular expression Match was compiled from, as written (shown in messages); "
        "empty: none. The action fills Match from it.",
    )
    Match: dict[str, Any] | None = Field(
        default=None,
        description="Expect compiled by the action (canary/smoke_pattern.py): a search of the first 1,000 "
        'characters of the answer, {"S": states, "A": found, "E": end states, "N": before-final-newline '
        f"states}}, at most {MAX_AUTOMATON_BYTES:,} bytes. Required with Expect.",
    )
    Contains: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="A plain substring the first 1,000 characters of the answer must contain (for "
        "documents written by hand; the action uses Expect and Match).",
    )

    @model_validator(mode="before")
    @classmethod
    def _compile_expect(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("Expect") and data.get("Match") is None:
            try:
                return {**data, "Match": compile_pattern(str(data["Expect"]))}
            except PatternError as error:
                raise ValueError(f"SmokeTest.Expect: {data['Expect']!r} {error}") from None
        return data

    @model_validator(mode="after")
    def _body_fits(self) -> SmokeTestSettings:
        size = body_bytes(self.Body)
        if size > MAX_BODY_BYTES:
            raise ValueError(f"SmokeTest.Body: takes {size:,} bytes, more than {MAX_BODY_BYTES:,}")
        if self.Match is not None and body_bytes(self.Match) > MAX_AUTOMATON_BYTES:
            raise ValueError(f"SmokeTest.Match: more than {MAX_AUTOMATON_BYTES:,} bytes")
        return self
