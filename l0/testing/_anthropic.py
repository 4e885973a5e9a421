"""The fault server's Anthropic-compatible mode: ``POST /v1/messages`` (Messages streaming).

Same scenarios, counters and request log as the chat-completions endpoint
(:mod:`l0.testing.server`); the body speaks Anthropic's event stream:
``message_start``, one content block per kind (``thinking`` for reasoning
items, ``text``, one ``tool_use`` per tool call with ``input_json_delta``
pieces), ``message_delta`` with ``stop_reason`` (``end_turn``, ``tool_use``,
``max_tokens`` for the ``length`` fault) and usage, ``message_stop``, and a
``ping`` after the first block starts. Faults: ``rate_limit`` (429 with
``retry-after``), ``unavailable`` (529 ``overloaded_error``), ``error_event``
(an in-band ``event: error`` with ``overloaded_error``), ``no_finish`` (the
body ends without ``message_delta``/``message_stop``), the others as for chat
completions. A request whose last message is an assistant prefill continues
after it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from l0.testing.scenario import Plan, Reasoning, build_plan

if TYPE_CHECKING:
    from l0.testing.server import FaultServer


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"type": "error", "error": {"type": kind, "message": message}}, status=status,
                             headers=headers)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class _Encoder:
    """Anthropic stream events for plan items, opening and closing content blocks as the kind changes."""

    def __init__(self) -> None:
        self.index = -1
        self.kind: str | None = None
        self.tool_id: str | None = None
        self.pinged = False

    def _start(self, kind: str, block: dict[str, Any]) -> bytes:
        out = self.stop()
        self.index += 1
        self.kind = kind
        out += _event("content_block_start", {"type": "content_block_start", "index": self.index,
                                              "content_block": block})
        if not self.pinged:
            self.pinged = True
            out += _event("ping", {"type": "ping"})
        return out

    def stop(self) -> bytes:
        if self.kind is None:
            return b""
        out = b""
        if self.kind == "thinking":
            out += self._delta({"type": "signature_delta", "signature": "c2lnbmF0dXJl"})
        self.kind = None
        return out + _event("content_block_stop", {"type": "content_block_stop", "index": self.index})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return _event("content_block_delta", {"type": "content_block_delta", "index": self.index, "delta": delta})

    def item(self, item: Any) -> bytes:
        if isinstance(item, str):
            out = b"" if self.kind == "text" else self._start("text", {"type": "text", "text": ""})
            return out + self._delta({"type": "text_delta", "text": item})
        if isinstance(item, Reasoning):
            out = b"" if self.kind == "thinking" else self._start("thinking", {"type": "thinking", "thinking": ""})
            return out + self._delta({"type": "thinking_delta", "thinking": item.text})
        out = b""
        if item.id is not None:
            call_id = "toolu_" + item.id.removeprefix("call_")
            out = self._start("tool_use", {"type": "tool_use", "id": call_id, "name": item.name, "input": {}})
        if item.arguments:
            out += self._delta({"type": "input_json_delta", "partial_json": item.arguments})
        return out


async def messages(server: FaultServer, request: web.Request) -> web.StreamResponse:
    """The ``/v1/messages`` handler."""
    from l0.testing.server import RequestRecord, _abort, _flush

    if server.api_key is not None and request.headers.get("x-api-key") != server.api_key:
        return _error(401, "authentication_error", "invalid x-api-key")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "invalid_request_error", "request body is not JSON")
    if not isinstance(body, dict):
        return _error(400, "invalid_request_error", "request body must be a JSON object")
    model = str(body.get("model", ""))
    msgs = body.get("messages") if isinstance(body.get("messages"), list) else []
    scenario, source, faulted = server._select(model, request.headers.get("X-L0-Fault"))
    sc = scenario if faulted else scenario.clean()
    record = RequestRecord(model=model, scenario=scenario, source=source, faulted=faulted,
                           stream=bool(body.get("stream")), messages=msgs, headers=dict(request.headers))
    with server._lock:
        server.requests.append(record)
    if sc.fault == "rate_limit":
        record.status = 429
        hint = sc.retry_after
        seconds = str(int(hint)) if float(hint).is_integer() else repr(float(hint))
        return _error(429, "rate_limit_error", "Rate limit reached (l0 test server)",
                      {"retry-after": seconds, "retry-after-ms": str(int(round(hint * 1000)))})
    if sc.fault == "unavailable":
        record.status = 529
        return _error(529, "overloaded_error", "Overloaded (l0 test server)")
    plan: Plan = build_plan(sc, msgs, server.answer)
    record.resumed_at = plan.resumed_at
    if not body.get("stream"):
        return _error(400, "invalid_request_error", "the l0 test server's messages endpoint streams only")
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    enc = _Encoder()
    usage_in = sum(len(str(m.get("content", "")).split()) for m in msgs if isinstance(m, dict))
    out = bytearray(_event("message_start", {"type": "message_start", "message": {
        "id": f"msg_l0test_{len(server.requests)}", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": usage_in, "output_tokens": 1}}}))
    await _flush(resp, out)
    if sc.fault == "slow_first":
        await asyncio.sleep(sc.first_delay)
    items = plan.items
    fault_at = sc.after if sc.after is not None else len(items) // 2
    mid = sc.fault in ("cut", "stall", "malformed", "error_event", "no_finish", "length")
    stop_reason = "tool_use" if plan.tool_fragments else "end_turn"
    for i, item in enumerate([*items, None]):
        if mid and i == fault_at:
            record.chunks_sent = i
            await _flush(resp, out)
            if sc.fault == "cut":
                _abort(request)
                return resp
            if sc.fault == "stall":
                deadline = time.monotonic() + sc.stall
                closing = server._closing
                while time.monotonic() < deadline and not (closing is not None and closing.is_set()):
                    transport = request.transport
                    if transport is None or transport.is_closing():
                        return resp
                    await asyncio.sleep(0.02)
                _abort(request)
                return resp
            if sc.fault == "malformed":
                out += b'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": {"text": "oops\n\n'
            elif sc.fault == "error_event":
                out += _event("error", {"type": "error", "error": {"type": "overloaded_error",
                                                                   "message": "Overloaded (l0 test server)"}})
                await _flush(resp, out)
                await resp.write_eof()
                return resp
            elif sc.fault == "no_finish":
                await resp.write_eof()
                return resp
            elif sc.fault == "length":
                stop_reason = "max_tokens"
                break
        if item is None:
            break
        out += enc.item(item)
        if sc.delay:
            await _flush(resp, out)
            await asyncio.sleep(sc.delay)
    record.chunks_sent = record.chunks_sent or len(items)
    out += enc.stop()
    out += _event("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop_reason,
                                                                       "stop_sequence": None},
                                    "usage": {"output_tokens": min(fault_at, len(items)) if stop_reason == "max_tokens"
                                              else len(items)}})
    out += _event("message_stop", {"type": "message_stop"})
    await _flush(resp, out)
    await resp.write_eof()
    return resp
