"""Request errors, answered as JSON `{"error": {"code", "message", "field"?}}`."""


class RequestError(Exception):
    """A request the service cannot serve; the message names the field when the client must fix it."""

    def __init__(self, message, status=400, code="invalid_request", field=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.retry_after = retry_after
