"""`factcheck serve`: a local page where a person pastes or uploads a release and its sources and gets the HTML
report, and a JSON API for programs. A thin shell over factcheck/run.py's check_and_render: a Starlette
application (factcheck/web/app.py) served by uvicorn (factcheck/web/server.py), forms parsed with python-multipart.

The page (factcheck/web/page.py):
- GET /           the form: the release (pasted, or a file, which wins) and up to MAX_SOURCES sources (each
                  pasted box and each chosen file is one).
- POST /check     the HTML report (200), with the checked texts kept in hidden fields; or the form again with an
                  escaped message: 400 for input factcheck cannot use (empty, binary), 413 over the limits.
- POST /edit      the form filled in with the posted texts ("Check again" on the report page).
- POST /download  the report as a file: the same fields and format=html|md|json.

The API (factcheck/web/api.py):
- POST /api/check   JSON {"release": ..., "sources": [...], "options": {...}} or multipart fields release and
                    source: the Report JSON, exactly as `factcheck check --format json` prints it.
- GET /api/schema   the Report's JSON Schema, as `factcheck schema` prints it.
  Errors are {"error": {"status": ..., "message": ...}}: 400, 404, 405, 408, 411, 413, 415, 503.

With a library (`make_server(library=DIR)`, `factcheck serve --library DIR`), the sources are optional: a
request without any is checked against the library reports its release quotes (factcheck.library.library_sources,
as `factcheck check RELEASE --library DIR` chooses them), and its report names them in `library`. The folder is
the server's, opened once at start and then by each request for itself; no request can name one.

Requests bigger than the release and MAX_SOURCES sources at limits.max_input_bytes are refused (413): by their
Content-Length before they are read, or as soon as a chunked body passes the limit. Slow clients are cut off
(ServeLimits: header_timeout, body_timeout, keep_alive_timeout), posted requests are checked checks_at_once at a
time in worker threads with checks_waiting more queued (503 beyond), and the server listens on a loopback
address unless make_server(allow_remote=True). Pasted text is only ever used as text, never as a path, and uploads
are read in memory; each request runs inside a tempfile.TemporaryDirectory that is removed when it ends, and
nothing is written anywhere else. Nothing is fetched from the network. The embedding model is loaded at most
once per server process (factcheck.embed.default_embedder), and used by one request at a time;
`make_server(embedder=...)` puts another in its place (tests pass a fake one).
"""

from __future__ import annotations

from factcheck.web.app import FactcheckApp
from factcheck.web.limits import ServeLimits
from factcheck.web.server import FactcheckServer, make_server
from factcheck.web.submission import FORM_OVERHEAD, MAX_SOURCES

__all__ = ["FORM_OVERHEAD", "MAX_SOURCES", "FactcheckApp", "FactcheckServer", "ServeLimits", "make_server"]
