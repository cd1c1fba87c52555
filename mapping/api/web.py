"""The field API and Open311 as Starlette routes and middleware, served beside the Streamlit app (``server.py``).

``/api/v1/…`` (JSON): ``POST /token`` (log in: the accounts' argon2 and lock-out; answers the token, its
``expires_at`` in UTC with ``Z`` and ``expires_in`` seconds) and ``DELETE /token``;
``GET /me/zone``; ``GET /me/reports``; ``POST /reports`` (multipart, with an ``Idempotency-Key`` header).
``/open311/v2/…`` (GeoReport v2, read only, no login): ``services.json``, ``requests.json``,
``requests/{id}.json``.  The work is done by :mod:`mapping.api.field` and :mod:`mapping.api.open311`; this
module only turns requests into calls and answers (and errors) into JSON.

Safe by default (:class:`SecurityHeaders`): every answer under ``/api/``, ``/open311/`` and ``/field/`` carries
a Content-Security-Policy without inline script, ``nosniff``, no referrer and no framing; API answers are not
cached.  A token is accepted only as ``Authorization: Bearer …``: a request with a credential in its query
string is refused before it reaches a route, and tokens are never logged.  No CORS unless origins are
configured (``MAPPING_API_ORIGINS``), and then without cookies.

Errors are ``{"error": {"code": "<stable code>", "message": "<Korean>"}}`` (and ``problems`` for a refused
input) with the HTTP status that fits; Open311 errors are GeoReport v2's ``[{"code": …, "description": …}]``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mapping.access import User
from mapping.api import field, open311
from mapping.errors import (
    AccessError,
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    StoreError,
    TransitionError,
    ValidationError,
)
from mapping.photos import MAX_BYTES
from mapping.store import Store

API = "/api/v1"
OPEN311 = "/open311/v2"
GUARDED = ("/api/", "/open311/", "/field/")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
CREDENTIAL_PARAMS = frozenset(
    {"access_token", "token", "bearer", "api_key", "apikey", "key", "auth", "authorization", "password"}
)
MAX_BODY = field.MAX_PHOTOS * MAX_BYTES + 1024 * 1024  # every photo at its limit, and the fields
ORIGINS_ENV = "MAPPING_API_ORIGINS"
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_LOG = logging.getLogger(__name__)

Store_ = Callable[[], Store]


def error_response(err: ApiError) -> JSONResponse:
    """The JSON body of a refused request."""
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.problems:
        body["problems"] = err.problems
    headers = {"WWW-Authenticate": 'Bearer realm="udongju"'} if err.status == 401 else None
    return JSONResponse({"error": body}, status_code=err.status, headers=headers)


def _as_api_error(exc: Exception) -> ApiError:
    """The answer for an error of :mod:`mapping` (the message is already Korean and says what to do)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        problems = [str(p) for p in exc.problems]
        return ApiError(422, "invalid", str(exc).splitlines()[0], problems)
    table: list[tuple[type[Exception], int, str]] = [
        (AuthError, 401, "unauthorized"),
        (AccessError, 403, "forbidden"),
        (NotFoundError, 404, "not_found"),
        (ConflictError, 409, "conflict"),
        (TransitionError, 409, "transition"),
        (StoreError, 503, "store_unavailable"),
        (PermissionError, 403, "forbidden"),  # a PrivacyError, or a store refusal of personal data
    ]
    for kind, status, code in table:
        if isinstance(exc, kind):
            return ApiError(status, code, str(exc))
    _LOG.exception("field API: unexpected error")  # the traceback stays in the server log, never in the answer
    return ApiError(500, "internal", "서버에서 처리하지 못했습니다. 잠시 뒤에 다시 하거나 관리자에게 알리세요.")


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a store call (blocking) off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


class FieldApi:
    """The routes of the field API and Open311 on one store (opened on first use by ``store``)."""

    def __init__(self, store: Store_) -> None:
        self._store = store

    def routes(self) -> list[BaseRoute]:
        """Every route, for :class:`streamlit.starlette.App` (``routes=``), then the JSON answer for any other path."""
        known: list[BaseRoute] = [
            Route(f"{API}/token", self.token, methods=["POST", "DELETE"]),
            Route(f"{API}/me/zone", self.zone, methods=["GET"]),
            Route(f"{API}/me/reports", self.reports, methods=["GET"]),
            Route(f"{API}/reports", self.file_report, methods=["POST"]),
            Route(f"{OPEN311}/services.json", self.services, methods=["GET"]),
            Route(f"{OPEN311}/requests.json", self.requests, methods=["GET"]),
            Route(f"{OPEN311}/requests/{{request_id}}.json", self.request, methods=["GET"]),
        ]
        # anything else under the two prefixes answers in JSON (not with the Streamlit page): 405 or 404
        return [
            *known,
            Route("/api/{rest:path}", _fallback(known, open311=False), methods=ANY_METHOD),
            Route("/open311/{rest:path}", _fallback(known, open311=True), methods=ANY_METHOD),
        ]

    # ---- the field API -------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        """``POST``: log in (JSON or form: ``account``, ``password``) for a token; ``DELETE``: end this token."""
        return await self._answer(request, self._token)

    async def _token(self, request: Request) -> Response:
        store = self._store()
        if request.method == "DELETE":
            await _call(store.revoke_token, _bearer(request))
            return Response(status_code=204)
        body = await _credentials(request)
        user = await _call(store.authenticate, body["account"], body["password"], client=_client(request))
        token, until = await _call(store.issue_token, user)
        left = max(0, int((until - store.clock()).total_seconds()))
        # the store's times are this process's local time: the phone gets the instant in UTC, and the seconds left
        # (its own clock and zone may differ: it counts from when it received the answer)
        expires = until.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = {"token": token, "token_type": "Bearer", "expires_at": expires, "expires_in": left}
        payload |= {"account": user.account, "name": user.name, "role": user.role, "dong_code": user.dong_code}
        return JSONResponse(payload, status_code=201)

    async def zone(self, request: Request) -> Response:
        """My zone: zones, tongs, public resources, this week's stops, my open reports."""
        return await self._answer(request, self._zone)

    async def _zone(self, request: Request) -> Response:
        user = await self._user(request)
        return JSONResponse(await _call(field.my_zone, self._store(), user))

    async def reports(self, request: Request) -> Response:
        """My reports' status."""
        return await self._answer(request, self._reports)

    async def _reports(self, request: Request) -> Response:
        user = await self._user(request)
        return JSONResponse({"reports": await _call(field.my_reports, self._store(), user)})

    async def file_report(self, request: Request) -> Response:
        """File a report (multipart: fields and ``photo`` files), once per ``Idempotency-Key``."""
        return await self._answer(request, self._file_report)

    async def _file_report(self, request: Request) -> Response:
        user = await self._user(request)
        form = await _form(request)
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "client_key"}
        key = (request.headers.get("idempotency-key") or str(form.get("client_key") or "")).strip()
        if not key:
            raise ApiError(
                400,
                "idempotency_key_missing",
                "보고마다 기기에서 만든 요청 키를 Idempotency-Key 헤더(또는 client_key 항목)로 보내세요 (예: UUID).",
            )
        uploads = [await _upload(v) for _, v in form.multi_items() if isinstance(v, UploadFile)]
        await form.close()
        report_id, created = await _call(field.file_once, self._store(), user, fields, uploads, client_key=key)
        status = next((r for r in await _call(field.my_reports, self._store(), user) if r["id"] == report_id), None)
        payload = {"id": report_id, "created": created, "report": status}
        return JSONResponse(
            payload, status_code=201 if created else 200, headers={"Idempotent-Replayed": str(not created).lower()}
        )

    # ---- Open311 ---------------------------------------------------------------------------------------------
    async def services(self, request: Request) -> Response:
        """GeoReport v2 ``services.json``."""
        return JSONResponse(open311.services())

    async def requests(self, request: Request) -> Response:
        """GeoReport v2 ``requests.json``."""
        q = request.query_params
        ids = [i for v in q.getlist("service_request_id") for i in v.split(",")]
        codes = [c for v in q.getlist("service_code") for c in v.split(",")]
        status, start, end = q.get("status"), q.get("start_date"), q.get("end_date")
        return await self._open311(
            lambda: open311.service_requests(
                self._store(), service_codes=codes, status=status, start=start, end=end, ids=ids
            )
        )

    async def request(self, request: Request) -> Response:
        """GeoReport v2 ``requests/{id}.json``."""
        request_id = str(request.path_params["request_id"])
        return await self._open311(lambda: open311.service_request(self._store(), request_id))

    async def _open311(self, work: Callable[[], object]) -> Response:
        try:
            return JSONResponse(await _call(work))
        except Exception as exc:  # every error becomes GeoReport v2's error list
            err = _as_api_error(exc)
            message = (
                "요청 조건이 맞지 않습니다" if isinstance(exc, ValidationError) else err.message
            )  # a read saves nothing
            detail = "; ".join([message, *err.problems[:5]]) if err.problems else message
            return open311_error(err.status, detail)

    # ---- shared ------------------------------------------------------------------------------------------
    async def _user(self, request: Request) -> User:
        return await _call(self._store().user_for_token, _bearer(request), client=_client(request))

    @staticmethod
    async def _answer(request: Request, work: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            return await work(request)
        except Exception as exc:  # every error becomes the JSON error answer
            return error_response(_as_api_error(exc))


def open311_error(status: int, description: str) -> JSONResponse:
    """GeoReport v2's error answer: a list of ``{"code", "description"}``."""
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _fallback(known: Sequence[BaseRoute], *, open311: bool) -> Callable[[Request], Awaitable[Response]]:
    """The answer for a path under ``/api/`` or ``/open311/`` no route takes: 405 (a known path, another method,
    with ``Allow``) or 404, as JSON (Open311 in its own format)."""

    async def answer(request: Request) -> Response:
        allowed = sorted(
            {
                m
                for r in known
                if isinstance(r, Route) and r.matches(request.scope)[0] == Match.PARTIAL
                for m in r.methods or ()
            }
        )
        if allowed:
            status, code = 405, "method_not_allowed"
            message = f"이 주소는 {', '.join(allowed)} 요청만 받습니다 ({request.method[:10]} 요청은 받지 않습니다)."
        else:
            status, code = 404, "not_found"
            where = f"{OPEN311}/services.json, {OPEN311}/requests.json" if open311 else f"{API}/token, {API}/me/zone"
            message = f"없는 주소입니다: 주소를 확인하세요 (예: {where})."
        response = open311_error(status, message) if open311 else error_response(ApiError(status, code, message))
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    return answer


def _bearer(request: Request) -> str:
    """The token of ``Authorization: Bearer …`` (the only place a token is accepted)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "token_missing", "로그인이 필요합니다: 토큰을 Authorization: Bearer 헤더로 보내세요.")
    return token.strip()


async def _credentials(request: Request) -> dict[str, str]:
    """``account`` and ``password`` from a JSON or form body."""
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict((await request.form()).items())
    except (ValueError, HTTPException):
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("account", "password")):
        raise ApiError(400, "bad_request", "계정(account)과 비밀번호(password)를 JSON으로 보내세요.")
    return {"account": body["account"].strip(), "password": body["password"]}


async def _form(request: Request) -> Any:
    """The multipart form, within the size and count limits (refused before it is read)."""
    length = request.headers.get("content-length")
    if length is None:
        raise ApiError(411, "length_required", "요청 크기(Content-Length)를 알 수 없어 받지 않았습니다.")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise ApiError(
            413,
            "too_large",
            f"요청이 너무 큽니다: 사진 {field.MAX_PHOTOS}장(장당 20 MB)까지, 모두 {MAX_BODY // 1024 // 1024} MB 이하로 보내세요.",
        )
    if not request.headers.get("content-type", "").startswith(
        FORM_TYPES
    ):  # a report without photos may be a plain form
        raise ApiError(415, "multipart_required", "보고는 multipart/form-data로 보내세요 (항목과 사진 파일).")
    try:
        return await request.form(max_files=field.MAX_PHOTOS + 1, max_fields=40)
    except HTTPException as exc:
        raise ApiError(400, "bad_form", f"보고 양식을 읽을 수 없습니다: {exc.detail}") from None


async def _upload(value: UploadFile) -> field.Upload:
    """One uploaded photo; one over the limit is not read into memory (the size check refuses it by name)."""
    name = value.filename or "사진"
    if value.size is not None and value.size > MAX_BYTES:
        return field.Upload(name, value.size, b"")
    data = await value.read(MAX_BYTES + 1)
    return field.Upload(name, len(data), data)


# ---- middleware ----------------------------------------------------------------------------------------------


class SecurityHeaders:
    """Safe defaults for the API, Open311 and the field page (see the module's docstring); other paths untouched."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str] = ()) -> None:
        self.app = app
        self.origins = frozenset(o.rstrip("/") for o in origins if o.strip())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(GUARDED):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin", "") if headers.get("origin", "").rstrip("/") in self.origins else ""
        extra = _safe_headers(path) + (_cors_headers(origin) if origin else [])
        if _credential_in_query(scope):
            refused = error_response(
                ApiError(
                    400, "token_in_url", "토큰·비밀번호는 주소(URL)에 넣지 않습니다: Authorization 헤더로 보내세요."
                )
            )
            await _with_headers(refused, extra)(scope, receive, send)
            return
        if origin and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _with_headers(Response(status_code=204), extra)(scope, receive, send)
            return

        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in extra
                ]
            await send(message)

        await self.app(scope, receive, send_with)


def _safe_headers(path: str) -> list[tuple[str, str]]:
    headers = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ]
    return headers + ([("cache-control", "no-store")] if path.startswith("/api/") else [])


def _cors_headers(origin: str) -> list[tuple[str, str]]:
    """CORS for one configured origin: bearer tokens only, never cookies (no Allow-Credentials)."""
    return [
        ("access-control-allow-origin", origin),
        ("access-control-allow-methods", "GET, POST, DELETE"),
        ("access-control-allow-headers", "Authorization, Content-Type, Idempotency-Key"),
        ("access-control-max-age", "600"),
        ("vary", "Origin"),
    ]


def _credential_in_query(scope: Scope) -> bool:
    from urllib.parse import parse_qsl

    query = scope.get("query_string", b"").decode("latin-1")
    return any(name.strip().lower() in CREDENTIAL_PARAMS for name, _ in parse_qsl(query, keep_blank_values=True))


def _with_headers(response: Response, extra: list[tuple[str, str]]) -> Response:
    for key, value in extra:
        response.headers[key] = value
    return response


def api_middleware(*, origins: Sequence[str] = ()) -> list[Middleware]:
    """The middleware of the API (for :class:`streamlit.starlette.App`, ``middleware=``)."""
    return [Middleware(SecurityHeaders, origins=list(origins))]


def configured_origins(environ: dict[str, str]) -> list[str]:
    """The origins allowed to call the API from a browser: ``MAPPING_API_ORIGINS``, comma-separated (none by default)."""
    return [o.strip() for o in environ.get(ORIGINS_ENV, "").split(",") if o.strip()]


def api_routes(store: Store_) -> list[BaseRoute]:
    """The routes of the field API and Open311 on the store ``store()`` returns."""
    return FieldApi(store).routes()


__all__ = ["FieldApi", "SecurityHeaders", "api_middleware", "api_routes", "configured_origins"]
