"""Limits shared across ``l0`` (a leaf module: it imports nothing, so both kernel twins can use it).

``MAX_JSON_DEPTH`` (1024) is the deepest nesting of arrays/objects ``l0`` accepts.
The streaming JSON state machine (both twins) stops at the opener beyond it, and
every whole-text parse (``JSON.is_valid``/``parse``/``auto_correct``, repair,
``strict_json_rule``, structured output, tool-call arguments) rejects such text
with ``l0._jsonparse.JsonDepthError`` (or a False result / a violation naming
the limit) instead of letting Python's ``RecursionError`` escape. orjson has the
same limit. See ``docs/structured.md`` (Nesting depth limit).
"""

MAX_JSON_DEPTH = 1024
