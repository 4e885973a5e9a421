"""Re-exports of the errors names (the reference's ``l0.api.errors`` path)."""

from __future__ import annotations

from l0.errors import (
    Error, ErrorCode, ErrorContext, FailureType, NetworkError, NetworkErrorAnalysis,
    NetworkErrorType, RecoveryPolicy, RecoveryStrategy,
)

__all__ = [
    "Error", "ErrorCode", "ErrorContext", "FailureType", "NetworkError", "NetworkErrorAnalysis",
    "NetworkErrorType", "RecoveryPolicy", "RecoveryStrategy",
]
