"""gunicorn's access log without full ID or phone numbers: the request line, its query string and the
Referer are masked before the line is written (`--logger-class jiedao.gunicorn_logging.RedactingLogger`,
set in the Dockerfile and docker-compose.yml)."""

from gunicorn.glogging import Logger

from .redact import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
