"""``python -m l0 demo``: watch l0 keep a stream intact while faults hit it.

Starts the embedded fault server (:mod:`l0.testing`), streams a realistic
answer through the real ``openai`` SDK wrapped by ``l0``, injects faults, and
shows the live tokens and the lifecycle (retries, Retry-After waits, resumes,
timeouts, guardrail verdicts). Exits 0 when the final text is exactly the
server's answer.

``--base-url URL`` streams from a real OpenAI-compatible endpoint instead (key
from ``OPENAI_API_KEY``; no faults are injected there).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any, TextIO

ANSWER = """\
Streaming answers fail in ordinary ways: a proxy drops the connection halfway, \
a rate limiter answers 429 with a Retry-After header, a model stalls with the \
socket still open, or a stream simply stops without a finish reason. \
A reliability layer has to notice each of these, decide whether to retry, \
restart or resume, and keep the text the user sees exact.

Here is what l0 does for this answer:

- It watches the first token and the gap between tokens with one timer.
- It classifies every error and waits at least as long as the server asked.
- It checkpoints the text, so a retry can continue where the stream broke.
- It removes any words the model repeats when it continues.
- It runs guardrails on the text as it arrives and once at the end.

If everything worked, this paragraph arrived complete and in order, even \
though the server misbehaved on purpose along the way."""

BAD_ANSWER = (
    "As an AI language model, I cannot guarantee that streams never fail, but I can say that "
    "retries help. Streaming answers fail in ordinary ways and the rest of this answer would follow."
)

TOUR = ("rate_limit", "cut")
FAULT_CHOICES = ("tour", "none", "cut", "stall", "rate_limit", "unavailable", "malformed", "slow_first",
                 "error_event", "no_finish", "length", "guardrail")


class View:
    """A small terminal renderer: live tokens plus lifecycle lines."""

    def __init__(self, out: TextIO, color: bool) -> None:
        self.out = out
        self.color = color
        self.col = 0

    def _c(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def token(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self.col = 0 if text.endswith("\n") else self.col + len(text)

    def line(self, symbol: str, text: str, code: str = "36") -> None:
        if self.col:
            self.out.write("\n")
            self.col = 0
        self.out.write(self._c(code, f"  {symbol} {text}") + "\n")
        self.out.flush()

    def rule(self, text: str) -> None:
        if self.col:
            self.out.write("\n")
            self.col = 0
        self.out.write(self._c("2", f"── {text} " + "─" * max(4, 60 - len(text))) + "\n")
        self.out.flush()

    def plain(self, text: str = "") -> None:
        if self.col:
            self.out.write("\n")
            self.col = 0
        self.out.write(text + "\n")
        self.out.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m l0 demo", description=__doc__.splitlines()[0])
    p.add_argument("--fault", choices=FAULT_CHOICES, default="tour",
                   help="fault to inject (default: tour = 429 with Retry-After, then a cut mid-stream)")
    p.add_argument("--mode", choices=("resume", "restart"), default="resume",
                   help="resume from the last good token (default) or restart the answer")
    p.add_argument("--speed", type=float, default=0.012, help="seconds between chunks from the local server")
    p.add_argument("--base-url", help="stream from this OpenAI-compatible endpoint instead (key: $OPENAI_API_KEY)")
    p.add_argument("--model", default=None, help="model name for --base-url (default gpt-4o-mini)")
    p.add_argument("--prompt", default="Explain in about 120 words why streaming LLM answers need retries.",
                   help="prompt for --base-url")
    p.add_argument("--transport", choices=("sdk", "native"), default="sdk",
                   help="read the stream with the openai SDK (default) or with l0's native transport")
    p.add_argument("--no-color", action="store_true", help="plain output")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.speed < 0:
        _parser().error("--speed must be >= 0")
    try:
        import openai  # noqa: F401
    except ImportError:
        print("The demo streams through the real openai SDK, which is not installed.\n"
              "Install it with:  pip install 'l0[openai]'   (or: pip install openai)", file=sys.stderr)
        return 2
    if not args.base_url:
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            print("The demo's local fault server needs aiohttp, which is not installed.\n"
                  "Install it with:  pip install aiohttp   (or use --base-url to stream from a real endpoint)",
                  file=sys.stderr)
            return 2
    color = not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    view = View(sys.stdout, color)
    try:
        return asyncio.run(_demo(args, view))
    except KeyboardInterrupt:
        view.plain("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. piped into head); nothing left to show.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at interpreter exit
        return 1


async def _demo(args: argparse.Namespace, view: View) -> int:
    if args.base_url:
        return await _remote(args, view)
    from l0.testing import FaultServer, Scenario

    async with FaultServer(answer=ANSWER) as server:
        faults = TOUR if args.fault == "tour" else () if args.fault == "none" else (args.fault,)
        for name in faults:
            if name == "guardrail":
                server.push(Scenario(answer=BAD_ANSWER, delay=args.speed))
            else:
                server.push(Scenario(fault=name, after=45, delay=args.speed, retry_after=0.5, first_delay=3.0))
        model = Scenario(delay=args.speed).to_spec()
        view.plain(f"l0 demo: local fault server {server.base_url}")
        view.plain(f"faults: {', '.join(faults) or 'none'} | mode: {args.mode} | transport: {args.transport}")
        text, stream, elapsed = await _stream(view, server.base_url, "local", model,
                                              [{"role": "user", "content": "How does l0 keep streams reliable?"}],
                                              args.mode, transport=args.transport)
        expected = server.expected_text(model)
        if stream is None:
            return 1
        intact = text == expected
        _summary(view, stream, elapsed, len(server.requests))
        if intact:
            view.line("✓", f"final text intact: identical to the server's answer ({len(text)} chars)", "32")
            return 0
        view.line("✗", f"final text differs from the server's answer ({len(text)} vs {len(expected)} chars)", "31")
        return 1


async def _remote(args: argparse.Namespace, view: View) -> int:
    model = args.model or "gpt-4o-mini"
    view.plain(f"l0 demo: {args.base_url} model={model} (no injected faults)")
    text, stream, elapsed = await _stream(view, args.base_url, os.environ.get("OPENAI_API_KEY", "none"), model,
                                          [{"role": "user", "content": args.prompt}], args.mode,
                                          transport=args.transport)
    if stream is None:
        return 1
    _summary(view, stream, elapsed, None)
    ok = bool(text.strip()) and stream.state.completed
    view.line("✓" if ok else "✗", "completed" if ok else "did not complete", "32" if ok else "31")
    return 0 if ok else 1


async def _stream(view: View, base_url: str, key: str, model: str, messages: list[dict[str, str]],
                  mode: str, *, transport: str = "sdk") -> tuple[str, Any, float]:
    from openai import AsyncOpenAI

    import l0
    from l0.runtime import LifecycleCallbacks
    from l0.types import EventType, Retry, Timeout

    from l0.retry import retry_after_hint

    resume = mode == "resume"
    attempt = [0]
    marks: dict[str, Any] = {"failed_at": 0.0, "checks": 0}

    def on_start(n: int, is_retry: bool, is_fallback: bool) -> None:
        attempt[0] += 1
        kind = ""
        if is_retry or is_fallback:
            waited = time.monotonic() - marks["failed_at"]
            kind = f" ({'fallback' if is_fallback else 'retry'}, {waited:.2f} s after the failure)"
        view.rule(f"attempt {attempt[0]}{kind}")

    def on_error(err: BaseException, will_retry: bool, will_fallback: bool) -> None:
        marks["failed_at"] = time.monotonic()
        then = "retrying" if will_retry else "falling back" if will_fallback else "giving up"
        hint = retry_after_hint(err)
        wait = f"; server asked to wait {hint:.2f} s (Retry-After)" if hint else ""
        view.line("✗", f"{_describe(err)}{wait} -> {then}", "31")

    def on_resume(checkpoint: str, tokens: int) -> None:
        view.line("⤷", f"resuming after {tokens} tokens: {len(checkpoint)} chars kept, the model is asked to continue",
                  "35")
        view.token(_tail(checkpoint))

    def on_timeout(kind: str, seconds: float) -> None:
        view.line("⏱", f"no {'first' if kind.startswith('initial') else 'next'} token within {seconds:.1f} s",
                  "33")

    def on_violation(v: Any) -> None:
        verdict = "retry" if getattr(v, "recoverable", True) and getattr(v, "severity", "") == "error" else "note"
        view.line("⚠", f"guardrail {getattr(v, 'rule', '?')} ({getattr(v, 'severity', '?')}, {verdict}): "
                  f"{getattr(v, 'message', v)}", "33")

    def on_obs(ev: Any) -> None:
        name = getattr(ev.type, "value", str(ev.type))
        meta = ev.meta or {}
        if name == "STREAM_TRUNCATED":
            why = meta.get("finishReason") or meta.get("reason") or "no finish_reason"
            view.line("✂", f"stream ended early ({why}) after {meta.get('tokenCount', '?')} tokens", "33")
        elif name == "GUARDRAIL_PHASE_END":
            marks["checks"] += 1

    guardrails = _guardrails()
    client = l0.wrap(
        AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0),
        transport=transport,
        guardrails=guardrails,
        retry=Retry(attempts=3, max_retries=6, base_delay=0.3, max_delay=2.0),
        timeout=Timeout(initial_token=1500, inter_token=1000),
        continue_from_last_good_token=resume,
        on_violation=on_violation,
        on_event=on_obs,
        monitoring=True,
        callbacks=LifecycleCallbacks(on_start=on_start, on_error=on_error, on_resume=on_resume,
                                     on_timeout=on_timeout),
    )
    if guardrails:
        names = ", ".join(getattr(r, "name", "?") for r in guardrails)
        view.plain(f"guardrails: {names}")
    start = time.monotonic()
    try:
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
        async for ev in stream:
            if ev.type == EventType.TOKEN and ev.text:
                view.token(ev.text)
            elif ev.type == EventType.RESET:
                # In band, before the new attempt's first token, and only when text was shown: a UI
                # would erase the last ev.data["discard"] characters here.
                view.line("↺", f"the answer restarts from the beginning: the {ev.data['discard']} chars shown "
                          f"above are discarded (RESET event, reason: {ev.data['reason']})", "35")
    except Exception as exc:  # noqa: BLE001 - the demo reports any final failure
        view.line("✗", f"stream failed: {_describe(exc)}", "31")
        return "", None, time.monotonic() - start
    if guardrails:
        found = len(stream.state.violations)
        view.line("✓" if not found else "⚠", f"guardrails: {marks['checks']} checks, "
                  f"{found} violation{'s' if found != 1 else ''} kept in the final state", "32" if not found else "33")
    return stream.state.content, stream, time.monotonic() - start


def _guardrails() -> list[Any] | None:
    try:
        from l0.guardrails import Guardrails, custom_pattern_rule
    except ImportError:
        return None
    rules = list(Guardrails.recommended())
    rules.append(custom_pattern_rule([r"\bas an ai\b"], "AI boilerplate instead of an answer", severity="error"))
    return rules


def _summary(view: View, stream: Any, elapsed: float, requests: int | None) -> None:
    st = stream.state
    bits = [f"finish_reason={st.finish_reason}", f"{st.token_count} tokens", f"{elapsed:.2f} s"]
    retries = st.model_retry_count + st.network_retry_count
    bits.append(f"{retries} retr{'y' if retries == 1 else 'ies'}")
    if requests is not None:
        bits.append(f"{requests} requests")
    if st.continuation_used:
        bits.append("resumed")
    if st.deduplication_applied and st.overlap_removed:
        bits.append(f"removed {len(st.overlap_removed)} repeated chars")
    view.line("■", "complete: " + ", ".join(bits), "32")
    telemetry = getattr(stream, "telemetry", None)
    if telemetry is not None:
        view.line("≡", f"telemetry: {telemetry.summary()}", "36")


def _describe(err: BaseException) -> str:
    status = getattr(err, "status_code", None)
    from l0._safe import safe_str

    full = safe_str(err)
    text = full.splitlines()[0] if full else ""
    head = f"{type(err).__name__}{f' {status}' if status else ''}"
    return f"{head}: {text[:90]}" if text else head


def _tail(checkpoint: str) -> str:
    if len(checkpoint) <= 60:
        return checkpoint
    tail = checkpoint[-60:]
    cut = tail.find(" ")
    return "…" + (tail[cut:] if cut >= 0 else tail).replace("\n", " ")


if __name__ == "__main__":
    sys.exit(main())
