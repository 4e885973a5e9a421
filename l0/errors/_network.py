"""Network-error classification: ``NetworkErrorType``, ``NetworkErrorAnalysis``, ``NetworkError``.

One classifier decides the type of an exception, in this order:

1. the exception's class (walking its MRO): builtin socket/ssl/timeout errors
   and the transport errors of httpx, httpcore, openai, aiohttp and anyio,
   matched by class name and package so none of them is imported here;
2. its message, with word-boundary patterns in the reference's order
   (so "assessment" never means "sse" and "uncertain" never means "cert");
3. its ``errno`` (104, 111, -2, ...);
4. the same steps on its explicit ``__cause__`` chain (``raise ... from``): the
   OpenAI SDK wraps the httpx error that says what really happened. Generic
   answers ("Connection error.", a wrapper class) defer to a definite cause.
   The implicit ``__context__`` is not followed: an error raised while
   handling a network error is not itself a network error.

Every ``is_*`` predicate is true exactly for the type :func:`classify` returns,
so ``check``, ``analyze`` and the predicates always agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from l0._safe import safe_str
from l0.types import ERROR_TYPE_DELAY_DEFAULTS, ErrorTypeDelays


class NetworkErrorType(str, Enum):
    """The 13 kinds of network failure."""

    CONNECTION_DROPPED = "connection_dropped"
    FETCH_ERROR = "fetch_error"
    ECONNRESET = "econnreset"
    ECONNREFUSED = "econnrefused"
    SSE_ABORTED = "sse_aborted"
    NO_BYTES = "no_bytes"
    PARTIAL_CHUNKS = "partial_chunks"
    RUNTIME_KILLED = "runtime_killed"
    BACKGROUND_THROTTLE = "background_throttle"
    DNS_ERROR = "dns_error"
    SSL_ERROR = "ssl_error"
    TIMEOUT = "timeout"
    UNKNOWN = "unknown"


T = NetworkErrorType


@dataclass
class NetworkErrorAnalysis:
    """Result of :meth:`NetworkError.analyze`."""

    type: NetworkErrorType
    retryable: bool
    counts_toward_limit: bool
    suggestion: str
    context: dict[str, Any] = field(default_factory=dict)


def _w(word: str) -> str:
    """A phrase that must not be glued to other letters or digits."""
    return rf"(?<![a-z0-9]){word}(?![a-z0-9])"


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_DROPPED = _any(
    _w(r"connection (?:was |has been )?(?:dropped|closed|lost|reset|aborted)"),
    _w("econnreset"), _w("econnaborted"), _w("epipe"), _w("pipe broken"), _w("broken pipe"), _w("socket error"),
    _w("eof occurred"), _w("network (?:is )?unreachable"), _w("host (?:is )?unreachable"),
    _w("no route to host"), _w("server disconnected"), _w("remote end closed connection"),
)
# Generic wording of SDK wrappers ("Connection error."): the wrapped cause, if any, says more.
_GENERIC = re.compile(_w("connection error"))
_ECONNRESET = _any(_w("econnreset"), _w("connection reset by peer"))
_ECONNREFUSED = _any(
    _w("econnrefused"), _w("connection refused"), _w("all connection attempts failed"), _w("cannot connect to host"),
)
_SSE = _any(
    _w("sse"), _w("server-sent events?"), _w("stream aborted"), _w("eventstream"),
)
_STREAM = re.compile(_w("stream"))
_ABORT = re.compile(r"(?<![a-z0-9])abort(?:ed|ing|s)?(?![a-z0-9])")
_FETCH = _any(r"(?<![a-z0-9])fetch(?:ing|ed)?(?![a-z0-9])", _w("network request failed"))
_NO_BYTES = _any(
    _w("no bytes"), _w("empty response"), _w("zero bytes"), _w("no data received"), r"content-length: ?0(?![0-9])",
)
_PARTIAL = _any(
    r"(?<![a-z0-9])(?:partial|incomplete) chunk", _w("truncated"), _w("premature close"),
    _w("unexpected end of data"), _w("incomplete data"), _w("incomplete read"),
    _w("response payload is not completed"),
)
_KILLED = _any(
    _w("edge runtime"), _w("lambda timeout"), _w("function timeout"), _w("execution timeout"), _w("worker died"),
    _w("process exited"), _w("sigterm"), _w("sigkill"),
)
_WORKER, _TERMINATED = re.compile(_w("worker")), re.compile(_w("terminated"))
_RUNTIME, _KILLED_WORD = re.compile(_w("runtime")), re.compile(_w("killed"))
_THROTTLE = _any(
    _w("background throttle"), _w("tab suspended"), _w("page hidden"), _w("visibility hidden"), _w("inactive tab"),
    _w("background tab"),
)
_BACKGROUND, _SUSPEND = re.compile(_w("background")), re.compile(r"(?<![a-z0-9])suspend(?:ed|ing|s)?(?![a-z0-9])")
_DNS = _any(
    _w("dns"), _w("enotfound"), _w("name resolution"), _w("host not found"), _w("getaddrinfo"),
    _w("nodename nor servname provided"), _w("name or service not known"),
)
_SSL = _any(
    _w("ssl"), _w("tls"), _w("certificates?"), _w("certs?"), _w("handshake"), _w("self[- ]signed"),
    _w("unable to verify"),
)
_TIMEOUT = _any(
    r"(?<![a-z0-9])time(?:d)? ?outs?(?![a-z0-9])", _w("deadline exceeded"), _w("etimedout"),
)

_ERRNO_TYPES: dict[str, NetworkErrorType] = {
    "104": T.ECONNRESET, "111": T.ECONNREFUSED, "-2": T.DNS_ERROR, "-3": T.DNS_ERROR,
    "32": T.CONNECTION_DROPPED, "101": T.CONNECTION_DROPPED, "113": T.CONNECTION_DROPPED,
    "110": T.TIMEOUT,
    "ECONNRESET": T.ECONNRESET, "ECONNREFUSED": T.ECONNREFUSED, "ENOTFOUND": T.DNS_ERROR,
    "EAI_AGAIN": T.DNS_ERROR, "EPIPE": T.CONNECTION_DROPPED, "ETIMEDOUT": T.TIMEOUT,
}

# Class name -> (packages it must come from, type, decide by message first?)
_BUILTIN = ("builtins", "socket", "ssl", "http", "asyncio", "concurrent")
_HTTP = ("httpx", "httpcore", "openai", "aiohttp", "anyio", "h11", "urllib3", "requests")
_CLASS_RULES: dict[str, tuple[tuple[str, ...], NetworkErrorType, bool]] = {
    "SSLEOFError": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "SSLZeroReturnError": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "SSLError": (_BUILTIN, T.SSL_ERROR, False),
    "SSLCertVerificationError": (_BUILTIN, T.SSL_ERROR, False),
    "CertificateError": (_BUILTIN, T.SSL_ERROR, False),
    "gaierror": (_BUILTIN, T.DNS_ERROR, False),
    "IncompleteRead": (_BUILTIN, T.PARTIAL_CHUNKS, False),
    "RemoteDisconnected": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "ConnectionRefusedError": (_BUILTIN, T.ECONNREFUSED, False),
    "ConnectionResetError": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "ConnectionAbortedError": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "BrokenPipeError": (_BUILTIN, T.CONNECTION_DROPPED, False),
    "IncompleteReadError": (_BUILTIN, T.PARTIAL_CHUNKS, False),
    "ConnectionError": (_BUILTIN, T.CONNECTION_DROPPED, True),
    "TimeoutError": (_BUILTIN, T.TIMEOUT, False),
    # httpx / httpcore
    "TimeoutException": (_HTTP, T.TIMEOUT, False),
    "ConnectTimeout": (_HTTP, T.TIMEOUT, False),
    "ReadTimeout": (_HTTP, T.TIMEOUT, False),
    "WriteTimeout": (_HTTP, T.TIMEOUT, False),
    "PoolTimeout": (_HTTP, T.TIMEOUT, False),
    "ConnectError": (_HTTP, T.ECONNREFUSED, True),
    "ReadError": (_HTTP, T.CONNECTION_DROPPED, True),
    "WriteError": (_HTTP, T.CONNECTION_DROPPED, True),
    "CloseError": (_HTTP, T.CONNECTION_DROPPED, True),
    "RemoteProtocolError": (_HTTP, T.CONNECTION_DROPPED, True),
    # openai
    "APITimeoutError": (_HTTP, T.TIMEOUT, False),
    "APIConnectionError": (_HTTP, T.CONNECTION_DROPPED, True),
    # aiohttp
    "ServerDisconnectedError": (_HTTP, T.CONNECTION_DROPPED, False),
    "ClientPayloadError": (_HTTP, T.PARTIAL_CHUNKS, False),
    "ClientConnectorDNSError": (_HTTP, T.DNS_ERROR, False),
    "ClientConnectorCertificateError": (_HTTP, T.SSL_ERROR, False),
    "ClientSSLError": (_HTTP, T.SSL_ERROR, False),
    "ClientConnectorError": (_HTTP, T.ECONNREFUSED, True),
    "ServerTimeoutError": (_HTTP, T.TIMEOUT, False),
    "ConnectionTimeoutError": (_HTTP, T.TIMEOUT, False),
    "SocketTimeoutError": (_HTTP, T.TIMEOUT, False),
    "ClientOSError": (_HTTP, T.CONNECTION_DROPPED, True),
    # anyio
    "EndOfStream": (_HTTP, T.CONNECTION_DROPPED, False),
    "BrokenResourceError": (_HTTP, T.CONNECTION_DROPPED, False),
}


def _class_rule(error: BaseException) -> tuple[NetworkErrorType, bool] | None:
    for cls in type(error).__mro__:
        rule = _CLASS_RULES.get(cls.__name__)
        if rule is not None and cls.__module__.split(".", 1)[0].lstrip("_") in rule[0]:
            return rule[1], rule[2]
    return None


def is_l0_timeout(error: BaseException) -> bool:
    """True for ``l0.TimeoutError`` (found by name so the runtime is never imported from here)."""
    for cls in type(error).__mro__:
        if cls.__name__ == "TimeoutError" and cls.__module__.split(".", 1)[0] == "l0":
            return True
    return False


def _message(error: BaseException) -> str:
    try:
        return str(error).lower()
    except Exception:  # a broken __str__ must not break classification
        return ""


def _is_truncation(error: BaseException) -> bool:
    code = getattr(error, "code", None)
    return getattr(code, "value", code) == "STREAM_TRUNCATED"


def _by_message(error: BaseException, msg: str) -> NetworkErrorType | None:
    if _DROPPED.search(msg):
        return T.CONNECTION_DROPPED
    if isinstance(error, TypeError) and _FETCH.search(msg):
        return T.FETCH_ERROR
    if _ECONNRESET.search(msg):
        return T.ECONNRESET
    if _ECONNREFUSED.search(msg):
        return T.ECONNREFUSED
    if _SSE.search(msg) or (_STREAM.search(msg) and _ABORT.search(msg)) or type(error).__name__ == "AbortError":
        return T.SSE_ABORTED
    if _NO_BYTES.search(msg):
        return T.NO_BYTES
    if _PARTIAL.search(msg):
        return T.PARTIAL_CHUNKS
    if _KILLED.search(msg) or (_WORKER.search(msg) and _TERMINATED.search(msg)) or (
        _RUNTIME.search(msg) and _KILLED_WORD.search(msg)
    ):
        return T.RUNTIME_KILLED
    if _THROTTLE.search(msg) or (_BACKGROUND.search(msg) and _SUSPEND.search(msg)):
        return T.BACKGROUND_THROTTLE
    if _DNS.search(msg):
        return T.DNS_ERROR
    if _SSL.search(msg):
        return T.SSL_ERROR
    if _TIMEOUT.search(msg):
        return T.TIMEOUT
    return None


def get_error_code(error: BaseException) -> str | None:
    """``errno`` or ``code`` of an exception as a string (enum codes give their value), else ``None``."""
    errno = getattr(error, "errno", None)
    if errno is not None:
        return errno if isinstance(errno, str) else safe_str(errno)
    code = getattr(error, "code", None)
    if code is None:
        return None
    value = getattr(code, "value", code)
    return value if isinstance(value, str) else safe_str(value)


def _classify_one(error: BaseException) -> tuple[NetworkErrorType | None, bool]:
    """Type of one exception and whether that answer is definite (else a cause may refine it)."""
    if _is_truncation(error):
        return T.PARTIAL_CHUNKS, True
    if is_l0_timeout(error):
        return T.TIMEOUT, True
    rule = _class_rule(error)
    if rule is not None and not rule[1]:
        return rule[0], True
    msg = _message(error)
    found = _by_message(error, msg)
    if found is not None:
        return found, True
    code = get_error_code(error)
    by_code = None if code is None else _ERRNO_TYPES.get(code.upper())
    if by_code is not None:
        return by_code, True
    if rule is not None:
        return rule[0], False
    if _GENERIC.search(msg):
        return T.CONNECTION_DROPPED, False
    return None, False


def classify(error: BaseException) -> NetworkErrorType | None:
    """The network error type of ``error``, or ``None`` if it is not a network error."""
    seen: set[int] = set()
    tentative: NetworkErrorType | None = None
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        found, definite = _classify_one(current)
        if definite:
            return found
        if tentative is None:
            tentative = found
        current = current.__cause__
    return tentative


_ADVICE: dict[NetworkErrorType, tuple[bool, str, dict[str, str]]] = {
    T.CONNECTION_DROPPED: (True, "Retry with exponential backoff; the connection was interrupted", {}),
    T.FETCH_ERROR: (True, "Retry immediately; the request could not be sent", {}),
    T.ECONNRESET: (True, "Retry with backoff; the peer reset the connection", {}),
    T.ECONNREFUSED: (True, "Retry after a longer delay; the server refused the connection",
                     {"possible_cause": "The server may be down or not accepting connections"}),
    T.SSE_ABORTED: (True, "Retry immediately; the event stream was aborted", {}),
    T.NO_BYTES: (True, "Retry immediately; the server sent nothing",
                 {"possible_cause": "The server closed the response before sending data"}),
    T.PARTIAL_CHUNKS: (True, "Retry immediately; the response ended early",
                       {"possible_cause": "The response was cut off mid-stream"}),
    T.RUNTIME_KILLED: (True, "Retry with a shorter timeout; the runtime was stopped",
                       {"possible_cause": "An edge/serverless runtime hit its execution limit"}),
    T.BACKGROUND_THROTTLE: (True, "Retry once the app is visible again",
                            {"possible_cause": "The app or tab was suspended in the background",
                             "resolution": "Resume the stream when the app returns to the foreground"}),
    T.DNS_ERROR: (True, "Retry after a longer delay; the host name did not resolve",
                  {"possible_cause": "DNS lookup failed or the host name is wrong"}),
    T.SSL_ERROR: (False, "Do not retry; fix the TLS configuration",
                  {"possible_cause": "Certificate or TLS handshake failure",
                   "resolution": "Check certificates, the system trust store and proxy settings"}),
    T.TIMEOUT: (True, "Retry with a longer timeout", {}),
    T.UNKNOWN: (True, "Retry with caution", {}),
}


def _analysis(kind: NetworkErrorType) -> NetworkErrorAnalysis:
    retryable, suggestion, context = _ADVICE[kind]
    return NetworkErrorAnalysis(kind, retryable, False, suggestion, dict(context))


def _type_delay(kind: NetworkErrorType, custom: dict[Any, float] | None) -> float:
    if custom:
        for key in (kind, kind.value):
            if key in custom and custom[key] is not None:
                return float(custom[key])
    return float(getattr(ERROR_TYPE_DELAY_DEFAULTS, kind.value))


class NetworkError:
    """Static helpers that classify and describe network errors (not an exception class)."""

    @staticmethod
    def is_connection_dropped(error: BaseException) -> bool:
        return classify(error) is T.CONNECTION_DROPPED

    @staticmethod
    def is_fetch_error(error: BaseException) -> bool:
        return classify(error) is T.FETCH_ERROR

    @staticmethod
    def is_econnreset(error: BaseException) -> bool:
        return classify(error) is T.ECONNRESET

    @staticmethod
    def is_econnrefused(error: BaseException) -> bool:
        return classify(error) is T.ECONNREFUSED

    @staticmethod
    def is_sse_aborted(error: BaseException) -> bool:
        return classify(error) is T.SSE_ABORTED

    @staticmethod
    def is_no_bytes(error: BaseException) -> bool:
        return classify(error) is T.NO_BYTES

    @staticmethod
    def is_partial_chunks(error: BaseException) -> bool:
        return classify(error) is T.PARTIAL_CHUNKS

    @staticmethod
    def is_runtime_killed(error: BaseException) -> bool:
        return classify(error) is T.RUNTIME_KILLED

    @staticmethod
    def is_background_throttle(error: BaseException) -> bool:
        return classify(error) is T.BACKGROUND_THROTTLE

    @staticmethod
    def is_dns(error: BaseException) -> bool:
        return classify(error) is T.DNS_ERROR

    @staticmethod
    def is_ssl(error: BaseException) -> bool:
        return classify(error) is T.SSL_ERROR

    @staticmethod
    def is_timeout(error: BaseException) -> bool:
        return classify(error) is T.TIMEOUT

    @staticmethod
    def check(error: BaseException) -> bool:
        """True if ``error`` is any kind of network error."""
        return classify(error) is not None

    @staticmethod
    def analyze(error: BaseException) -> NetworkErrorAnalysis:
        """Type, retryability and advice for ``error`` (type UNKNOWN if nothing matches)."""
        return _analysis(classify(error) or T.UNKNOWN)

    @staticmethod
    def describe(error: BaseException) -> str:
        analysis = NetworkError.analyze(error)
        text = f"Network error: {analysis.type.value}"
        cause = analysis.context.get("possible_cause")
        return f"{text} ({cause})" if cause else text

    @staticmethod
    def is_stream_interrupted(error: BaseException, token_count: int) -> bool:
        """True if ``error`` interrupted a stream that had already produced tokens."""
        if token_count > 0 and classify(error) is not None:
            return True
        msg = _message(error)
        return any(p in msg for p in ("stream interrupted", "stream closed unexpectedly", "connection lost mid-stream"))

    @staticmethod
    def suggest_delay(
        error: BaseException,
        attempt: int,
        custom_delays: dict[NetworkErrorType, float] | None = None,
        max_delay: float = 30.0,
    ) -> float:
        """``min(base * 2**attempt, max_delay)`` with the per-type base delay (``attempt`` is 0-based)."""
        kind = classify(error) or T.UNKNOWN
        base = _type_delay(kind, custom_delays)
        if base == 0 and kind is not T.SSL_ERROR:
            base = 1.0
        if base == 0:
            return 0.0
        return min(base * (2 ** attempt), max_delay)

    @staticmethod
    def create(original: BaseException, analysis: NetworkErrorAnalysis | None = None) -> BaseException:
        """A copy of ``original`` whose message names its network type; ``.analysis`` and ``__cause__`` set.

        When the exception's class cannot be built from one message, a plain
        ``ConnectionError`` is returned instead (the reference raised here).
        """
        analysis = analysis or NetworkError.analyze(original)
        message = f"{original} [{analysis.type.value}]"
        try:
            created = type(original)(message)
        except Exception:
            created = ConnectionError(message)
        try:
            created.analysis = analysis  # type: ignore[attr-defined]
        except AttributeError:
            pass
        created.__cause__ = original
        return created

    _get_error_code = staticmethod(get_error_code)

    @staticmethod
    def _get_type_delay(kind: NetworkErrorType, delays: ErrorTypeDelays | None = None) -> float:
        source = delays if delays is not None else ERROR_TYPE_DELAY_DEFAULTS
        value = getattr(source, kind.value, None)
        return float(value) if value is not None else 1.0
