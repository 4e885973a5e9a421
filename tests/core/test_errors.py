"""l0.errors: codes, Error, categorize_error, network classification and its fixed false positives."""

from __future__ import annotations

import dataclasses
import errno
import pickle
import socket
import ssl

import httpx
import openai
import pytest

from l0.errors import (
    Error,
    ErrorCode,
    ErrorContext,
    FailureType,
    NetworkError,
    NetworkErrorAnalysis,
    NetworkErrorType,
    RecoveryPolicy,
    RecoveryStrategy,
    analyze_network_error,
    categorize_error,
    create_network_error,
    describe_network_error,
    error_code_value,
    get_error_category,
    get_failure_type,
    get_recovery_strategy,
    is_error,
    is_l0_error,
    is_network_error,
    is_retryable,
    is_ssl_error,
    is_stream_interrupted,
    suggest_retry_delay,
    truncation_error,
)
from l0.types import ErrorCategory

N = NetworkErrorType
C = ErrorCategory


def _l0_timeout() -> Exception:
    """An exception shaped like ``l0.TimeoutError`` (class ``TimeoutError`` defined in an ``l0`` module)."""
    cls = type("TimeoutError", (Exception,), {"__module__": "l0.runtime._errors"})
    return cls("Timeout waiting for first token (timeout=5.0s)")


# -- codes and Error --------------------------------------------------------------------------------


def test_error_codes_value_equals_name() -> None:
    names = [c.name for c in ErrorCode]
    assert names[:12] == [
        "STREAM_ABORTED", "INITIAL_TOKEN_TIMEOUT", "INTER_TOKEN_TIMEOUT", "ZERO_OUTPUT", "GUARDRAIL_VIOLATION",
        "FATAL_GUARDRAIL_VIOLATION", "DRIFT_DETECTED", "INVALID_STREAM", "ADAPTER_NOT_FOUND",
        "FEATURE_NOT_ENABLED", "ALL_STREAMS_EXHAUSTED", "NETWORK_ERROR"]
    assert names[12:] == ["STREAM_TRUNCATED"]
    assert all(c.value == c.name for c in ErrorCode)


@pytest.mark.parametrize(
    ("code", "by_code", "categorized"),
    [
        (ErrorCode.STREAM_ABORTED, C.PROVIDER, C.FATAL),
        (ErrorCode.INITIAL_TOKEN_TIMEOUT, C.TRANSIENT, C.TRANSIENT),
        (ErrorCode.INTER_TOKEN_TIMEOUT, C.TRANSIENT, C.TRANSIENT),
        (ErrorCode.ZERO_OUTPUT, C.CONTENT, C.CONTENT),
        (ErrorCode.GUARDRAIL_VIOLATION, C.CONTENT, C.CONTENT),
        (ErrorCode.FATAL_GUARDRAIL_VIOLATION, C.CONTENT, C.FATAL),
        (ErrorCode.DRIFT_DETECTED, C.CONTENT, C.CONTENT),
        (ErrorCode.INVALID_STREAM, C.INTERNAL, C.INTERNAL),
        (ErrorCode.ADAPTER_NOT_FOUND, C.INTERNAL, C.INTERNAL),
        (ErrorCode.FEATURE_NOT_ENABLED, C.INTERNAL, C.INTERNAL),
        (ErrorCode.ALL_STREAMS_EXHAUSTED, C.PROVIDER, C.MODEL),
        (ErrorCode.NETWORK_ERROR, C.NETWORK, C.NETWORK),
        (ErrorCode.STREAM_TRUNCATED, C.NETWORK, C.NETWORK),
    ],
)
def test_code_categories(code: ErrorCode, by_code: ErrorCategory, categorized: ErrorCategory) -> None:
    err = Error("something", ErrorContext(code=code))
    assert get_error_category(code) is by_code
    assert err.category is by_code
    assert categorize_error(err) is categorized
    assert Error.categorize(err) is categorized


def test_unknown_code_category_is_model() -> None:
    assert get_error_category("NOPE") is C.MODEL


def test_error_context_fields() -> None:
    assert [f.name for f in dataclasses.fields(ErrorContext)] == [
        "code", "checkpoint", "token_count", "content_length", "model_retry_count", "network_retry_count",
        "fallback_index", "metadata", "context"]
    ctx = ErrorContext(code=ErrorCode.ZERO_OUTPUT)
    assert ctx.checkpoint is None and ctx.metadata is None


def test_error_api() -> None:
    ctx = ErrorContext(code=ErrorCode.GUARDRAIL_VIOLATION, checkpoint="abc", token_count=3, model_retry_count=2,
                       fallback_index=1, context={"user": 1})
    err = Error("boom", ctx)
    assert str(err) == "boom" and err.code is ErrorCode.GUARDRAIL_VIOLATION and err.context is ctx
    assert isinstance(err.timestamp, float)
    assert err.has_checkpoint and err.is_recoverable and err.get_checkpoint() == "abc"
    assert err.to_detailed_string() == "boom | Tokens: 3 | Retries: 2 | Fallback: 1 | Checkpoint: 3 chars"
    assert repr(err) == "Error(code='GUARDRAIL_VIOLATION', message='boom')"
    data = err.to_json()
    assert list(data) == ["name", "code", "category", "message", "timestamp", "hasCheckpoint", "checkpoint",
                          "tokenCount", "modelRetryCount", "networkRetryCount", "fallbackIndex", "metadata",
                          "context"]
    assert data["code"] == "GUARDRAIL_VIOLATION" and data["category"] == "content" and data["context"] == {"user": 1}
    assert Error.is_error(err) and Error.is_l0_error(err) and is_error(err) and is_l0_error(err)
    assert not is_error(ValueError("x"))
    assert Error.is_retryable(err) and not Error.is_retryable(Error("f", ErrorContext(ErrorCode.STREAM_ABORTED)))
    assert Error.get_category(ErrorCode.NETWORK_ERROR) is C.NETWORK
    assert Error("plain", ErrorContext(ErrorCode.ZERO_OUTPUT)).to_detailed_string() == "plain"


def test_error_convenience_constructors_and_pickle() -> None:
    assert Error("x", ErrorCode.ZERO_OUTPUT).code is ErrorCode.ZERO_OUTPUT
    assert Error("x", code="DRIFT_DETECTED").code is ErrorCode.DRIFT_DETECTED
    with pytest.raises(TypeError, match="needs a context"):
        Error("x")
    with pytest.raises(TypeError, match="must be an ErrorContext or an ErrorCode"):
        Error("x", 5)  # type: ignore[arg-type]
    err = Error("boom", ErrorContext(ErrorCode.ZERO_OUTPUT, token_count=4))
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is Error and back.context == err.context and back.timestamp == err.timestamp


def test_small_enums_and_policy() -> None:
    assert [f.value for f in FailureType] == ["network", "model", "tool", "timeout", "abort", "zero_output",
                                              "unknown"]
    assert [r.value for r in RecoveryStrategy] == ["retry", "fallback", "continue", "halt"]
    assert RecoveryPolicy() == RecoveryPolicy(True, False, 3, 0, 1, None)


# -- categorize_error -------------------------------------------------------------------------------


class _Status(Exception):
    def __init__(self, message: str, status_code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code
        if status is not None:
            self.status = status


@pytest.mark.parametrize(
    ("error", "category"),
    [
        (ConnectionRefusedError(111, "Connection refused"), C.NETWORK),
        (socket.gaierror(-2, "Name or service not known"), C.NETWORK),
        (ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), C.FATAL),
        (TimeoutError(), C.NETWORK),
        (_l0_timeout(), C.TRANSIENT),
        (Exception("peer closed connection without sending complete message body (incomplete chunked read)"),
         C.NETWORK),
        (Exception("Server disconnected without sending a response."), C.NETWORK),
        (Exception("Connection error."), C.NETWORK),
        (Exception("The assessment is uncertain"), C.MODEL),
        (_Status("bad request", status_code=400), C.MODEL),
        (_Status("forbidden", status_code=403), C.FATAL),
        (_Status("unauthorized", status=401), C.FATAL),
        (_Status("down", status_code=500), C.TRANSIENT),
        (_Status("down", status=503), C.TRANSIENT),
        (_Status("slow down", status_code=429), C.TRANSIENT),
        (_Status("request timeout", status_code=408), C.TRANSIENT),
        (Exception("Rate limit exceeded"), C.TRANSIENT),
        (Exception("rate_limit_exceeded"), C.TRANSIENT),
        (Exception("Too Many Requests"), C.TRANSIENT),
        (Exception("an accurate limitation"), C.MODEL),
        (ValueError("bad output"), C.MODEL),
    ],
)
def test_categorize_table(error: Exception, category: ErrorCategory) -> None:
    assert categorize_error(error) is category
    assert is_retryable(error) is (category not in (C.FATAL, C.INTERNAL))


def test_http_status_wins_over_network_words() -> None:
    # A 400 that mentions a timeout parameter is a bad request, not a network failure.
    assert categorize_error(_Status("Invalid value for 'timeout': must be positive", status_code=400)) is C.MODEL
    assert categorize_error(_Status("connection reset", status_code=503)) is C.TRANSIENT
    resp = httpx.Response(502, request=httpx.Request("GET", "http://x"))
    assert categorize_error(httpx.HTTPStatusError("bad gateway", request=resp.request, response=resp)) is C.TRANSIENT


def test_string_code_does_not_crash() -> None:
    class ApiErr(Exception):
        code = "rate_limit_exceeded"
        status_code = 429

    err = ApiErr("Rate limit reached")
    assert categorize_error(err) is C.TRANSIENT
    assert error_code_value(err) == "rate_limit_exceeded"
    assert get_failure_type(err) is FailureType.UNKNOWN
    assert analyze_network_error(err).type is N.UNKNOWN


@pytest.mark.parametrize(
    ("code", "expected"),
    [(ErrorCode.ZERO_OUTPUT, "ZERO_OUTPUT"), ("custom", "custom"), (404, "404"), (None, None), (object(), None),
     (True, None)],
)
def test_error_code_value_any_shape(code: object, expected: str | None) -> None:
    err = Exception("x")
    err.code = code  # type: ignore[attr-defined]
    assert error_code_value(err) == expected
    assert error_code_value(Error("x", ErrorCode.NETWORK_ERROR)) == "NETWORK_ERROR"


def test_failure_type_and_recovery_strategy() -> None:
    assert get_failure_type(Error("t", ErrorCode.INTER_TOKEN_TIMEOUT)) is FailureType.TIMEOUT
    assert get_failure_type(Error("z", ErrorCode.ZERO_OUTPUT)) is FailureType.ZERO_OUTPUT
    assert get_failure_type(Error("n", ErrorCode.NETWORK_ERROR)) is FailureType.NETWORK
    assert get_failure_type(truncation_error("length")) is FailureType.NETWORK
    assert get_failure_type(Error("a", ErrorCode.STREAM_ABORTED)) is FailureType.ABORT
    assert get_failure_type(_l0_timeout()) is FailureType.TIMEOUT
    assert get_failure_type(ssl.SSLError(1, "bad cert")) is FailureType.NETWORK
    assert get_failure_type(Error("Guardrail violation: x", ErrorCode.GUARDRAIL_VIOLATION)) is FailureType.UNKNOWN
    assert get_failure_type(ValueError("x")) is FailureType.UNKNOWN
    assert get_recovery_strategy(True, True) is RecoveryStrategy.RETRY
    assert get_recovery_strategy(False, True) is RecoveryStrategy.FALLBACK
    assert get_recovery_strategy(False, False) is RecoveryStrategy.HALT


def test_truncation_error() -> None:
    err = truncation_error("no_terminal_signal", token_count=3, checkpoint="abc")
    assert err.code is ErrorCode.STREAM_TRUNCATED and "without a terminal signal" in str(err)
    assert err.context.metadata == {"reason": "no_terminal_signal", "finish_reason": None}
    assert categorize_error(err) is C.NETWORK
    assert analyze_network_error(err).type is N.PARTIAL_CHUNKS
    length = truncation_error("length", finish_reason="length")
    assert "finish_reason='length'" in str(length) and length.context.metadata["finish_reason"] == "length"


# -- network classification ------------------------------------------------------------------------

# One message per type, in the reference's table order, plus extra spellings.
MESSAGE_TABLE = [
    ("Connection dropped by server", N.CONNECTION_DROPPED),
    ("connection closed", N.CONNECTION_DROPPED),
    ("socket error while reading", N.CONNECTION_DROPPED),
    ("Broken pipe", N.CONNECTION_DROPPED),
    ("EOF occurred in violation of protocol", N.CONNECTION_DROPPED),
    ("Network unreachable", N.CONNECTION_DROPPED),
    ("read ECONNREFUSED 127.0.0.1:443", N.ECONNREFUSED),
    ("[Errno 111] Connection refused", N.ECONNREFUSED),
    ("SSE connection aborted", N.CONNECTION_DROPPED),
    ("SSE error: unexpected event", N.SSE_ABORTED),
    ("server-sent events failed", N.SSE_ABORTED),
    ("the stream was aborted by the client", N.SSE_ABORTED),
    ("EventStream failure", N.SSE_ABORTED),
    ("no bytes received", N.NO_BYTES),
    ("Empty response from server", N.NO_BYTES),
    ("header content-length: 0", N.NO_BYTES),
    ("partial chunk received", N.PARTIAL_CHUNKS),
    ("response truncated", N.PARTIAL_CHUNKS),
    ("premature close", N.PARTIAL_CHUNKS),
    ("IncompleteRead: incomplete read", N.PARTIAL_CHUNKS),
    ("worker was terminated", N.RUNTIME_KILLED),
    ("runtime killed by host", N.RUNTIME_KILLED),
    ("Lambda timeout reached", N.RUNTIME_KILLED),
    ("SIGTERM received", N.RUNTIME_KILLED),
    ("background task suspended", N.BACKGROUND_THROTTLE),
    ("tab suspended", N.BACKGROUND_THROTTLE),
    ("page hidden", N.BACKGROUND_THROTTLE),
    ("DNS lookup failed", N.DNS_ERROR),
    ("getaddrinfo ENOTFOUND api.example.com", N.DNS_ERROR),
    ("Temporary failure in name resolution", N.DNS_ERROR),
    ("SSL: wrong version number", N.SSL_ERROR),
    ("TLS alert", N.SSL_ERROR),
    ("certificate has expired", N.SSL_ERROR),
    ("self signed certificate in chain", N.SSL_ERROR),
    ("handshake failure", N.SSL_ERROR),
    ("invalid cert", N.SSL_ERROR),
    ("Request timed out", N.TIMEOUT),
    ("read timeout", N.TIMEOUT),
    ("deadline exceeded", N.TIMEOUT),
    ("connect ETIMEDOUT", N.TIMEOUT),
]


@pytest.mark.parametrize(("message", "kind"), MESSAGE_TABLE)
def test_classify_messages(message: str, kind: NetworkErrorType) -> None:
    err = Exception(message)
    analysis = NetworkError.analyze(err)
    assert analysis.type is kind
    assert NetworkError.check(err) and is_network_error(err)
    predicates = {
        N.CONNECTION_DROPPED: NetworkError.is_connection_dropped, N.FETCH_ERROR: NetworkError.is_fetch_error,
        N.ECONNRESET: NetworkError.is_econnreset, N.ECONNREFUSED: NetworkError.is_econnrefused,
        N.SSE_ABORTED: NetworkError.is_sse_aborted, N.NO_BYTES: NetworkError.is_no_bytes,
        N.PARTIAL_CHUNKS: NetworkError.is_partial_chunks, N.RUNTIME_KILLED: NetworkError.is_runtime_killed,
        N.BACKGROUND_THROTTLE: NetworkError.is_background_throttle, N.DNS_ERROR: NetworkError.is_dns,
        N.SSL_ERROR: NetworkError.is_ssl, N.TIMEOUT: NetworkError.is_timeout,
    }
    assert [k for k, pred in predicates.items() if pred(err)] == [kind]
    assert categorize_error(err) is (C.FATAL if kind is N.SSL_ERROR else C.NETWORK)


def test_fetch_error_needs_type_error() -> None:
    assert analyze_network_error(TypeError("Failed to fetch")).type is N.FETCH_ERROR
    assert analyze_network_error(TypeError("network request failed")).type is N.FETCH_ERROR
    assert not is_network_error(ValueError("Failed to fetch"))
    assert not is_network_error(TypeError("prefetch buffer"))


def test_econnreset_by_errno_only_when_message_is_silent() -> None:
    err = OSError("something odd")
    err.errno = errno.ECONNRESET
    assert analyze_network_error(err).type is N.ECONNRESET
    coded = Exception("failure")
    coded.code = "ECONNRESET"  # type: ignore[attr-defined]
    assert analyze_network_error(coded).type is N.ECONNRESET
    assert analyze_network_error(Exception("Connection reset by peer")).type is N.CONNECTION_DROPPED


def test_unknown_is_thirteenth_type() -> None:
    assert len(NetworkErrorType) == 13
    analysis = analyze_network_error(ValueError("plain failure"))
    assert analysis == NetworkErrorAnalysis(N.UNKNOWN, True, False, analysis.suggestion, {})
    assert not is_network_error(ValueError("plain failure"))


@pytest.mark.parametrize(
    "message",
    [
        "The assessment is uncertain", "missed the classes", "a concert ticket", "possessed", "uncertainty",
        "dnssec-like token", "nonstream abortion", "timeoutless", "session", "passes", "certainly", "concertina",
        "tlsx", "sslv", "untruncated-ish", "the prefetcher",
    ],
)
def test_false_positives_fixed(message: str) -> None:
    err = Exception(message)
    assert not is_network_error(err), analyze_network_error(err).type
    assert categorize_error(err) is C.MODEL


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionRefusedError(111, "Connection refused"), N.ECONNREFUSED),
        (ConnectionResetError(104, "Connection reset by peer"), N.CONNECTION_DROPPED),
        (BrokenPipeError(32, "x"), N.CONNECTION_DROPPED),
        (ConnectionAbortedError("x"), N.CONNECTION_DROPPED),
        (ConnectionError("boom"), N.CONNECTION_DROPPED),
        (ConnectionError("request timed out"), N.TIMEOUT),
        (socket.gaierror(-2, "Name or service not known"), N.DNS_ERROR),
        (ssl.SSLError(1, "x"), N.SSL_ERROR),
        (ssl.SSLCertVerificationError(1, "x"), N.SSL_ERROR),
        (ssl.SSLEOFError(8, "EOF occurred in violation of protocol (_ssl.c:2427)"), N.CONNECTION_DROPPED),
        (TimeoutError(), N.TIMEOUT),
        (socket.timeout("x"), N.TIMEOUT),
        (httpx.ReadTimeout("x"), N.TIMEOUT),
        (httpx.ConnectTimeout("x"), N.TIMEOUT),
        (httpx.ConnectError("All connection attempts failed"), N.ECONNREFUSED),
        (httpx.ConnectError("[Errno -2] Name or service not known"), N.DNS_ERROR),
        (httpx.ReadError("x"), N.CONNECTION_DROPPED),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), N.CONNECTION_DROPPED),
        (httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body (incomplete chunked read)"),
         N.PARTIAL_CHUNKS),
        (openai.APITimeoutError(request=httpx.Request("POST", "http://x")), N.TIMEOUT),
    ],
)
def test_classify_by_exception_type(error: Exception, kind: NetworkErrorType) -> None:
    assert analyze_network_error(error).type is kind


def test_classify_follows_cause_chain() -> None:
    try:
        try:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        except httpx.ConnectError as inner:
            raise openai.APIConnectionError(request=httpx.Request("POST", "http://x")) from inner
    except openai.APIConnectionError as err:
        assert str(err) == "Connection error."
        assert analyze_network_error(err).type is N.ECONNREFUSED
        assert categorize_error(err) is C.NETWORK
    wrapped = RuntimeError("adapter failed")
    wrapped.__cause__ = socket.gaierror(-2, "x")
    assert analyze_network_error(wrapped).type is N.DNS_ERROR
    loop = RuntimeError("loop")
    loop.__cause__ = loop
    assert not is_network_error(loop)


def test_broken_str_does_not_break_classification() -> None:
    class Weird(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert categorize_error(Weird()) is C.MODEL


def test_analysis_details() -> None:
    ssl_analysis = analyze_network_error(Exception("certificate verify failed"))
    assert ssl_analysis.retryable is False and set(ssl_analysis.context) == {"possible_cause", "resolution"}
    assert is_ssl_error(Exception("certificate verify failed"))
    for kind_msg, keys in [("Connection refused", {"possible_cause"}), ("dns failure", {"possible_cause"}),
                           ("page hidden", {"possible_cause", "resolution"}), ("broken pipe", set())]:
        analysis = analyze_network_error(Exception(kind_msg))
        assert analysis.retryable and not analysis.counts_toward_limit and set(analysis.context) == keys
        assert analysis.suggestion


def test_describe() -> None:
    assert describe_network_error(Exception("broken pipe")) == "Network error: connection_dropped"
    assert describe_network_error(ConnectionRefusedError(111, "x")).startswith(
        "Network error: econnrefused (")


def test_is_stream_interrupted() -> None:
    assert is_stream_interrupted(Exception("broken pipe"), 3)
    assert not is_stream_interrupted(Exception("broken pipe"), 0)
    assert is_stream_interrupted(Exception("Stream interrupted"), 0)
    assert not is_stream_interrupted(ValueError("nope"), 5)


def test_suggest_delay() -> None:
    assert suggest_retry_delay(Exception("connection refused"), 0) == 2.0
    assert suggest_retry_delay(Exception("connection refused"), 2) == 8.0
    assert suggest_retry_delay(Exception("connection refused"), 10) == 30.0
    assert suggest_retry_delay(Exception("connection refused"), 10, max_delay=5.0) == 5.0
    assert suggest_retry_delay(Exception("certificate expired"), 3) == 0.0
    assert suggest_retry_delay(ValueError("x"), 1) == 2.0
    custom = {N.ECONNREFUSED: 0.0, N.DNS_ERROR: 0.25}
    assert suggest_retry_delay(Exception("connection refused"), 1, custom) == 2.0  # zero base becomes 1.0
    assert NetworkError.suggest_delay(Exception("dns failure"), 2, custom) == 1.0


def test_create() -> None:
    original = ConnectionError("broken pipe")
    made = create_network_error(original)
    assert type(made) is ConnectionError and str(made) == "broken pipe [connection_dropped]"
    assert made.__cause__ is original and made.analysis.type is N.CONNECTION_DROPPED  # type: ignore[attr-defined]

    class NeedsTwo(Exception):
        def __init__(self, a: str, b: str) -> None:
            super().__init__(a, b)

    fallback = NetworkError.create(NeedsTwo("x", "y"))
    assert isinstance(fallback, ConnectionError) and fallback.__cause__ is not None


def test_implicit_context_is_not_followed() -> None:
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError:
            raise ValueError("could not parse the model output")  # noqa: B904
    except ValueError as err:
        assert err.__context__ is not None
        assert not is_network_error(err)
        assert categorize_error(err) is C.MODEL


# -- properties -------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LETTERS = st.text(alphabet="abdefghijklmnopqruvwxyz", min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(before=_LETTERS, word=st.sampled_from(["sse", "ssl", "tls", "cert", "dns", "fetch", "timeout", "sigterm"]),
       after=_LETTERS)
def test_keywords_inside_longer_words_never_match(before: str, word: str, after: str) -> None:
    err = TypeError(f"the {before}{word}{after} value")
    assert not is_network_error(err)
    assert categorize_error(err) is C.MODEL


@settings(max_examples=200, deadline=None)
@given(message=st.text(max_size=80))
def test_classification_total_and_consistent(message: str) -> None:
    err = Exception(message)
    kind = analyze_network_error(err).type
    assert is_network_error(err) is (kind is not N.UNKNOWN)
    assert categorize_error(err) in set(ErrorCategory)


def test_not_retryable_marker_is_internal() -> None:
    class AdapterMissing(ValueError):
        l0_retryable = False

    err = AdapterMissing("Unknown adapter: nope")
    assert categorize_error(err) is C.INTERNAL and not is_retryable(err)
    marked = truncation_error("length")
    marked.l0_retryable = False  # type: ignore[attr-defined]
    assert categorize_error(marked) is C.INTERNAL
