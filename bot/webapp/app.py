"""The dashboard's routes, under /app, on LearnBot's aiohttp server.

- GET /app/                 the page: no data in it, the same for everyone (cacheable);
- GET /app/static/NAME      its stylesheet and script;
- GET /app/part/SECTION     a section as HTML, for the page's script to show;
- GET /app/api/SECTION      the same data as JSON.

Every part and api request carries the Mini App's initData in its Authorization header
(`tma <initData>`), never in the URL: a URL is what access logs write, and the page
removes the initData from its own address (the demo's fragment) as soon as it has read
it. A request without valid initData gets 401 with a page that says so; a learner the
bot does not know, or a section that is not theirs to see, gets 403.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import Clock
from bot.rules.course import CourseCache, LessonInfo
from bot.rules.dashboard.access import Refusal, Viewer, viewer_for
from bot.rules.dashboard.init_data import MAX_AGE, InitDataRefusal, check_init_data
from bot.rules.dashboard.learner import own_certificate
from bot.rules.formats.certificate_image import render_certificate
from bot.rules.learning.certificates import printed_certificate
from bot.webapp.render import STATIC, language_of, render, translations
from bot.webapp.sections import SECTIONS, Answer, Ask, BadRequest, Forbidden

log = logging.getLogger(__name__)

APP_PATH = "/app"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
# Telegram's own script and ours; no inline script or style; nothing framed but by Telegram.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors https://web.telegram.org https://*.telegram.org 'self'"
)
SCHEME = "tma "
# aiohttp's default access log with the Referer left out: a page's address may carry the
# initData in its fragment, which browsers never send, but a proxy's rewrite might.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tf'


@dataclass(frozen=True)
class WebAppConfig:
    token: str
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    course_cache: CourseCache
    admin_ids: frozenset[int] = frozenset()
    max_age: timedelta = MAX_AGE
    bot_username: str | None = None


CONFIG: web.AppKey[WebAppConfig] = web.AppKey("dashboard", WebAppConfig)


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith((f"{APP_PATH}/part/", f"{APP_PATH}/api/")):
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException) and response.status >= 400:
        raise response
    return response


def _language(request: web.Request) -> str:
    return language_of(request.headers.get("Accept-Language", "").split(",")[0])


def _refused(request: web.Request, status: int, reason: str, wants_json: bool) -> web.Response:
    if wants_json:
        return web.json_response({"error": reason}, status=status)
    body = render("refused.html", _language(request), status=status, reason=reason)
    return web.Response(text=body, status=status, content_type="text/html")


def _jsonable(value: Any) -> Any:
    if isinstance(value, LessonInfo):  # a lesson is named, not shipped with its body
        return {"id": value.id, "title": value.title}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


async def page(request: web.Request) -> web.Response:
    body = render("page.html", _language(request), telegram_script=TELEGRAM_SCRIPT)
    return web.Response(text=body, content_type="text/html")


async def _viewer(
    request: web.Request, session: AsyncSession, now: datetime, wants_json: bool
) -> Viewer | web.Response:
    """The learner the request's initData names, or the refusal to answer with."""
    config = request.app[CONFIG]
    header = request.headers.get("Authorization", "")
    raw = header[len(SCHEME) :] if header.startswith(SCHEME) else None
    checked = check_init_data(raw, config.token, now, config.max_age)
    if isinstance(checked, InitDataRefusal):
        log.info("dashboard: initData refused (%s)", checked.value)  # never the string itself
        return _refused(request, 401, checked.value, wants_json)
    viewer = await viewer_for(session, checked.telegram_id, config.admin_ids)
    if isinstance(viewer, Refusal):
        return _refused(request, 403, viewer.value, wants_json)
    return viewer


def _viewer_language(viewer: Viewer) -> str:
    return language_of(viewer.user.language, viewer.user.language_code)


async def section(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    wants_json = request.match_info["kind"] == "api"
    load = SECTIONS.get(request.match_info["name"])
    if load is None:
        return _refused(request, 404, "not_found", wants_json)
    now = config.clock.now()
    async with config.session_factory() as session, session.begin():
        viewer = await _viewer(request, session, now, wants_json)
        if isinstance(viewer, web.Response):
            return viewer
        catalogue = await config.course_cache.get(session)
        ask = Ask(session, viewer, catalogue, now, request.query, config.bot_username)
        try:
            answer = await load(ask)
        except Forbidden:
            return _refused(request, 403, Refusal.NOT_YOURS.value, wants_json)
        except BadRequest:
            return _refused(request, 400, "bad_request", wants_json)
        return _answer(answer, ask, _viewer_language(viewer), wants_json)


async def certificate(request: web.Request) -> web.Response:
    """The learner's own certificate as the PNG the chat sends (`?code=`)."""
    config = request.app[CONFIG]
    async with config.session_factory() as session, session.begin():
        viewer = await _viewer(request, session, config.clock.now(), True)
        if isinstance(viewer, web.Response):
            return viewer
        found = await own_certificate(session, viewer.user, request.query.get("code", ""))
    if found is None:
        return _refused(request, 404, "not_found", True)
    text = printed_certificate(found, translations(_viewer_language(viewer)).gettext)
    png = await asyncio.to_thread(render_certificate, text)  # a fraction of a second of CPU
    return web.Response(body=png, content_type="image/png")


def _answer(answer: Answer, ask: Ask, language: str, wants_json: bool) -> web.Response:
    if wants_json:
        return web.json_response(_jsonable(answer.data), dumps=json.dumps)
    body = render(
        answer.template, language, bot=ask.bot_username, query=ask.query, now=ask.now, **answer.data
    )
    return web.Response(text=body, content_type="text/html")


def build_webapp(config: WebAppConfig) -> web.Application:
    """The dashboard as an aiohttp application, to be mounted at APP_PATH."""
    app = web.Application(middlewares=[security_headers])
    app[CONFIG] = config
    app.router.add_get("/", page)
    app.router.add_get("/api/certificate.png", certificate)
    app.router.add_get("/{kind:part|api}/{name}", section)
    app.router.add_static("/static/", STATIC, append_version=False)
    return app


def mount(parent: web.Application, config: WebAppConfig) -> None:
    """Serve the dashboard under APP_PATH of an existing application (the webhook's)."""
    parent.router.add_get(APP_PATH, _to_page)  # first: the sub-application takes "/app" too
    parent.add_subapp(APP_PATH, build_webapp(config))


async def _to_page(_request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(f"{APP_PATH}/")


def standalone(config: WebAppConfig) -> web.Application:
    """The dashboard alone (`learnbot run` on WEBAPP_PORT, the demo)."""
    app = web.Application()
    mount(app, config)
    return app
