"""Gunicorn's settings for production (read from the working directory; README "Running in
production"). Gunicorn has no body-size limit of its own: the proxy's client_max_body_size and
centre.uploads (UPLOAD_MAX_REQUEST_BYTES, answered 413 before the body is read) bound bodies;
these bound the request line, the headers and how long a worker may take."""

wsgi_app = "centre.wsgi"
workers = 4
timeout = 120  # an inline roster (up to ROSTER_INLINE_BYTES) is imported within the request
graceful_timeout = 30
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
