"""A local OpenAI-compatible chat-completions server that injects faults.

:class:`FaultServer` speaks ``POST /v1/chat/completions`` (streaming SSE and
plain JSON) on ``127.0.0.1`` and a free port. Each request is answered by a
:class:`~l0.testing.scenario.Scenario`, chosen in this order:

1. the ``X-L0-Fault`` request header (``"cut:after=5"``);
2. the next item of the programmable queue (:meth:`FaultServer.push`);
3. the request's ``model`` name (``model="cut:after=5"``; unknown names are clean).

A header or model scenario faults only its first ``times`` requests (default
1) and then answers cleanly, so a client that retries recovers; counters are
per scenario string and :meth:`FaultServer.reset` clears them.

Run it in a background thread (``with FaultServer() as srv:``, usable from
sync code, pytest session fixtures and demos) or on the running loop
(``async with FaultServer() as srv:``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from l0.testing.scenario import (
    Plan,
    Reasoning,
    Scenario,
    ToolCallSpec,
    ToolFragment,
    build_plan,
    expected_text,
    split_answer,
    tool_calls_for,
)

try:
    from aiohttp import web
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("l0.testing needs aiohttp: pip install 'l0[dev]' (or pip install aiohttp)") from exc

from l0.testing._anthropic import messages as anthropic_messages  # noqa: E402

_FLUSH_BYTES = 32 * 1024


@dataclass
class RequestRecord:
    """What the server saw and did for one request."""

    model: str
    scenario: Scenario
    source: str
    faulted: bool
    stream: bool
    messages: list[Any]
    resumed_at: int | None = None
    status: int = 200
    chunks_sent: int = 0
    received_at: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict)


class FaultServer:
    """OpenAI-compatible SSE server with deterministic, on-demand faults.

    ``answer`` replaces the numbered words with free text (split into word
    chunks); ``api_key`` makes the server require ``Authorization: Bearer``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        answer: str | None = None,
        api_key: str | None = None,
    ) -> None:
        if answer is not None and not isinstance(answer, str):
            raise TypeError(f"answer must be a str or None, got {type(answer).__name__}")
        self.host = host
        self.port = port
        self.answer: list[str] | None = split_answer(answer) if answer is not None else None
        self.api_key = api_key
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._queue: list[Scenario] = []
        self._counts: dict[str, int] = {}
        self._windows: dict[str, float] = {}  # rate_limit with window=1: key -> monotonic end of the 429 window
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None
        self._created = int(time.time())

    # -- public helpers -------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (valid once started)."""
        if not self.port:
            raise RuntimeError("FaultServer is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The ``base_url`` / ``api_base`` for OpenAI-compatible clients (``.../v1``)."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The ``base_url`` for ``anthropic.AsyncAnthropic`` (it appends ``/v1/messages`` itself)."""
        return self.url

    def push(self, *scenarios: Scenario | str) -> None:
        """Queue scenarios for the next requests, in order (each used once)."""
        parsed = [s if isinstance(s, Scenario) else Scenario.parse(s) for s in scenarios]
        with self._lock:
            self._queue.extend(parsed)

    def reset(self) -> None:
        """Forget fault counters, the queue and the request log."""
        with self._lock:
            self._queue.clear()
            self._counts.clear()
            self._windows.clear()
            self.requests.clear()

    def expected_text(self, scenario: Scenario | str = "clean") -> str:
        """The text a clean, complete answer to ``scenario`` carries."""
        sc = scenario if isinstance(scenario, Scenario) else Scenario.parse(scenario)
        return expected_text(sc, self.answer)

    @staticmethod
    def expected_tool_calls(scenario: Scenario | str) -> list[ToolCallSpec]:
        """The complete tool calls a clean answer to ``scenario`` carries."""
        sc = scenario if isinstance(scenario, Scenario) else Scenario.parse(scenario)
        return tool_calls_for(sc.tools)

    # -- lifecycle: background thread -----------------------------------

    def start(self) -> FaultServer:
        """Start serving on a private event loop in a daemon thread."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FaultServer is already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="l0-fault-server", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), loop).result(timeout=30)
        return self

    def stop(self) -> None:
        """Stop the background server (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()
            self._loop = self._thread = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle: current loop ----------------------------------------

    async def astart(self) -> FaultServer:
        """Start serving on the running event loop."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FaultServer is already started")
        await self._serve()
        return self

    async def astop(self) -> None:
        """Stop a server started with :meth:`astart` (idempotent)."""
        await self._shutdown()

    async def __aenter__(self) -> FaultServer:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    async def _serve(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("/v1", ""):
            app.router.add_post(prefix + "/chat/completions", self._chat)
            app.router.add_post(prefix + "/messages", self._messages)
            app.router.add_get(prefix + "/models", self._models)
        self._closing = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def _shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if self._closing is not None:
            self._closing.set()
        if runner is not None:
            await runner.cleanup()

    # -- request handling -----------------------------------------------

    def _select(self, model: str, header: str | None) -> tuple[Scenario, str, bool]:
        with self._lock:
            if header:
                scenario, source, key = Scenario.parse(header), "header", "h:" + header
            elif self._queue:
                return self._queue.pop(0), "queue", True
            else:
                scenario, source, key = Scenario.parse(model), "model", "m:" + model
            seen = self._counts.get(key, 0)
            self._counts[key] = seen + 1
            faulted = scenario.fault != "clean" and (scenario.times < 0 or seen < scenario.times)
            if scenario.fault == "rate_limit" and scenario.window:
                now = time.monotonic()
                until = self._windows.get(key)
                if until is not None and now < until:
                    # Inside the provider's window: 429 again, with the time left as the hint.
                    return scenario.with_(retry_after=round(until - now, 3)), source, True
                if faulted:
                    self._windows[key] = now + scenario.retry_after
        return scenario, source, faulted

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        # Anthropic-compatible mode (Messages streaming), in its own module.
        return await anthropic_messages(self, request)
    def count(self, status: int | None = None, model: str | None = None) -> int:
        """How many requests the server saw (with that status and/or model)."""
        with self._lock:
            return sum(1 for r in self.requests
                       if (status is None or r.status == status) and (model is None or r.model == model))

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "l0-test", "object": "model", "owned_by": "l0"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "request body is not JSON", "invalid_request_error", None)
        if not isinstance(body, dict):
            return _error(400, "request body must be a JSON object", "invalid_request_error", None)
        model = str(body.get("model", ""))
        messages = body.get("messages") if isinstance(body.get("messages"), list) else []
        scenario, source, faulted = self._select(model, request.headers.get("X-L0-Fault"))
        active = scenario if faulted else scenario.clean()
        stream = bool(body.get("stream"))
        record = RequestRecord(
            model=model,
            scenario=scenario,
            source=source,
            faulted=faulted,
            stream=stream,
            messages=messages,
            headers=dict(request.headers),
        )
        with self._lock:
            self.requests.append(record)
        if active.fault == "rate_limit":
            record.status = 429
            hint = active.retry_after
            headers = {"Retry-After": _seconds(hint), "retry-after-ms": str(int(round(hint * 1000)))}
            return _error(429, "Rate limit reached (l0 test server)", "rate_limit_error", "rate_limit_exceeded", headers)
        if active.fault == "unavailable":
            record.status = 503
            return _error(503, "The server is temporarily unavailable (l0 test server)", "server_error", None)
        plan = build_plan(active, messages, self.answer)
        record.resumed_at = plan.resumed_at
        if not stream:
            return self._complete(model, plan, body)
        return await self._stream(request, record, model, active, plan, body)

    def _complete(self, model: str, plan: Plan, body: dict[str, Any]) -> web.Response:
        calls = tool_calls_for(len({f.index for f in plan.tool_fragments}))
        message: dict[str, Any] = {"role": "assistant", "content": "".join(plan.text_chunks) or None}
        if calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
            ]
        return web.json_response(
            {
                "id": "chatcmpl-l0test",
                "object": "chat.completion",
                "created": self._created,
                "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": plan.finish_reason}],
                "usage": _usage(body, len(plan.items)),
            }
        )

    async def _stream(
        self,
        request: web.Request,
        record: RequestRecord,
        model: str,
        sc: Scenario,
        plan: Plan,
        body: dict[str, Any],
    ) -> web.StreamResponse:
        resp = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await resp.prepare(request)
        enc = _ChunkEncoder(f"chatcmpl-l0test-{len(self.requests)}", self._created, model)
        out = bytearray(enc.role())
        await _flush(resp, out)
        if sc.fault == "slow_first":
            await asyncio.sleep(sc.first_delay)
        items = plan.items
        fault_at = sc.after if sc.after is not None else len(items) // 2
        mid = sc.fault in ("cut", "stall", "malformed", "error_event", "no_finish", "length")
        for i, item in enumerate(items):
            if mid and i == fault_at:
                record.chunks_sent = i
                stop = await self._fault(request, resp, sc, out, enc)
                if stop is not None:
                    return stop
            if isinstance(item, str):
                out += enc.text(item)
            elif isinstance(item, Reasoning):
                out += enc.reasoning(item.text)
            else:
                out += enc.tool(item)
            if sc.delay:
                await _flush(resp, out)
                await asyncio.sleep(sc.delay)
            elif len(out) >= _FLUSH_BYTES:
                await _flush(resp, out)
        record.chunks_sent = len(items)
        if mid and fault_at >= len(items):
            stop = await self._fault(request, resp, sc, out, enc)
            if stop is not None:
                return stop
        out += enc.finish(plan.finish_reason)
        usage = body.get("stream_options") or {}
        if isinstance(usage, dict) and usage.get("include_usage"):
            out += enc.usage(_usage(body, len(items)))
        out += b"data: [DONE]\n\n"
        await _flush(resp, out)
        await resp.write_eof()
        return resp

    async def _fault(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        sc: Scenario,
        out: bytearray,
        enc: _ChunkEncoder,
    ) -> web.StreamResponse | None:
        """Inject a mid-stream fault; return the response to end the handler, or None to go on."""
        await _flush(resp, out)
        if sc.fault == "cut":
            _abort(request)
            return resp
        if sc.fault == "stall":
            deadline = time.monotonic() + sc.stall
            closing = self._closing
            while time.monotonic() < deadline and not (closing is not None and closing.is_set()):
                transport = request.transport
                if transport is None or transport.is_closing():
                    return resp
                await asyncio.sleep(0.02)
            _abort(request)
            return resp
        if sc.fault == "malformed":
            out += b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops\n\n'
            await _flush(resp, out)
            return None
        if sc.fault == "error_event":
            err = {"error": {"message": "The model is overloaded (l0 test server)", "type": "server_error", "code": "overloaded"}}
            out += b"data: " + json.dumps(err).encode() + b"\n\n"
            await _flush(resp, out)
            await resp.write_eof()
            return resp
        if sc.fault == "no_finish":
            await resp.write_eof()
            return resp
        if sc.fault == "length":
            out += enc.finish("length")
            out += b"data: [DONE]\n\n"
            await _flush(resp, out)
            await resp.write_eof()
            return resp
        return None


class _ChunkEncoder:
    """Pre-encoded ``chat.completion.chunk`` framing; only the delta varies."""

    def __init__(self, chunk_id: str, created: int, model: str) -> None:
        head = json.dumps(
            {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model,
             "system_fingerprint": "fp_l0test"}
        )[:-1]
        self._head = ("data: " + head + ', "choices": [{"index": 0, "delta": ').encode()
        self._tail = b', "logprobs": null, "finish_reason": null}]}\n\n'
        self._model_head = ("data: " + head).encode()

    def role(self) -> bytes:
        return self._head + b'{"role": "assistant", "content": ""}' + self._tail

    def text(self, text: str) -> bytes:
        return self._head + b'{"content": ' + json.dumps(text).encode() + b"}" + self._tail

    def reasoning(self, text: str) -> bytes:
        return self._head + b'{"content": null, "reasoning_content": ' + json.dumps(text).encode() + b"}" + self._tail

    def tool(self, frag: ToolFragment) -> bytes:
        call: dict[str, Any] = {"index": frag.index}
        if frag.id is not None:
            call["id"] = frag.id
            call["type"] = "function"
        fn: dict[str, Any] = {"arguments": frag.arguments}
        if frag.name is not None:
            fn["name"] = frag.name
        call["function"] = fn
        return self._head + json.dumps({"tool_calls": [call]}).encode() + self._tail

    def finish(self, reason: str) -> bytes:
        return self._head + b"{}" + f', "logprobs": null, "finish_reason": "{reason}"}}]}}\n\n'.encode()

    def usage(self, usage: dict[str, int]) -> bytes:
        return self._model_head + b', "choices": [], "usage": ' + json.dumps(usage).encode() + b"}\n\n"


async def _flush(resp: web.StreamResponse, out: bytearray) -> None:
    if out:
        data = bytes(out)
        out.clear()
        await resp.write(data)


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _usage(body: dict[str, Any], completion: int) -> dict[str, int]:
    prompt = 0
    for msg in body.get("messages") or ():
        if isinstance(msg, dict) and isinstance(msg.get("content"), str):
            prompt += len(msg["content"].split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _error(
    status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


def serve_forever(host: str = "127.0.0.1", port: int = 0, answer: str | None = None) -> None:
    """Run a server in the foreground until interrupted (the ``python -m l0.testing`` CLI)."""
    server = FaultServer(host=host, port=port, answer=answer)
    with server:
        print(f"l0 fault server listening on {server.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
