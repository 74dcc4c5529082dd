"""One-line errors: what failed, on which resource, and what to do about it."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}
)
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "404"})


class ToolError(Exception):
    """A problem the user can act on. The message is one line; the CLI prints it and exits non-zero."""

    def __init__(self, message: str, exit_code: int = 1, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(one_line(message))
        self.exit_code = exit_code
        self.lines = tuple(one_line(problem) for problem in problems) or (one_line(message),)


class UsageError(ToolError):
    """Bad input: an argument, a config value or a name that AWS would refuse."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message, exit_code=2, problems=problems)


class AwsError(ToolError):
    """AWS refused or could not answer a call."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=3)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_not_found(error: ClientError) -> bool:
    """SageMaker reports most missing resources as a ValidationException that says so."""
    code = error_code(error)
    message = str(error.response.get("Error", {}).get("Message", ""))
    return code in NOT_FOUND_CODES or (
        code == "ValidationException" and ("could not find" in message.lower() or "does not exist" in message.lower())
    )


def explain(error: Exception, attempts: int) -> AwsError:
    """Turn a botocore exception into the one line a person needs."""
    if isinstance(error, ClientError):
        return _explain_answer(error, attempts)
    return _explain_no_answer(error)


def _explain_answer(error: ClientError, attempts: int) -> AwsError:
    """The service answered with an error."""
    code = error_code(error)
    operation = error.operation_name
    message = one_line(error.response.get("Error", {}).get("Message", "")) or code
    if message.lstrip().startswith("<"):  # an HTML error page, not an AWS error document
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", code)
        message = f"the service answered HTTP {status} with an error page"
    if code in THROTTLING_CODES:
        return AwsError(
            f"throttled: {operation} was still throttled after {attempts} attempts with backoff ({code}); "
            "wait and run again, or raise --max-attempts"
        )
    if code in ACCESS_DENIED_CODES:
        return AwsError(f"access denied: {operation}: {message}")
    if is_not_found(error):
        return AwsError(f"not found: {operation}: {message}")
    return AwsError(f"{operation} failed ({code}): {message}")


def _explain_no_answer(error: Exception) -> AwsError:
    """The call failed on this side: configuration, network or request validation."""
    if isinstance(error, NoCredentialsError):
        return AwsError("no AWS credentials found: set a profile (--profile) or credentials in the environment")
    if isinstance(error, NoRegionError):
        return AwsError("no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)")
    if isinstance(error, EndpointConnectionError):
        return AwsError(
            f"cannot reach {error.kwargs.get('endpoint_url', 'the endpoint')}: check the network or --endpoint-url"
        )
    if isinstance(error, ParamValidationError):
        return AwsError(f"request refused before sending: {error}")
    if isinstance(error, BotoCoreError):
        return AwsError(f"AWS call failed: {error}")
    return AwsError(f"unexpected error: {error}")
