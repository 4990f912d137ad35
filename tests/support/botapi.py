"""A local stand-in for the Telegram Bot API, for tests.

Tests must never talk to the real Telegram. ``FakeBotAPI`` is a small aiohttp server on
127.0.0.1 (a free port) that speaks the Bot API wire format closely enough for
python-telegram-bot's real HTTP stack (httpx, form/multipart bodies, status-code mapping)
to work against it unchanged::

    async with FakeBotAPI() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
        async with bot:
            await bot.send_message(42, "hi")
        assert api.replies_for(42) == ["hi"]

or, for a bot running in a subprocess / another event loop::

    api = FakeBotAPI().start_in_thread()
    env = {**os.environ, **api.env()}        # TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, ...
    ...
    api.push_update(api.command(api.make_user(7), "/start"))
    api.wait_for_replies_sync(7)
    api.stop_thread()

PTB posts to ``{base_url}{token}/{method}`` (``Bot._base_url = base_url + token`` and then
``f"{_base_url}/{endpoint}"``), with every parameter as a form field whose value is the JSON
encoding of the value, except plain strings, which are sent as they are.  The stand-in decodes
them back (see ``STRING_PARAMS``) so ``Call.params`` holds ints, bools, dicts and lists.

Everything that touches recorded state is guarded by one lock, so the query and ``*_sync``
helpers may be used from any thread; ``push_update`` may be called from any thread too.
"""
from __future__ import annotations

import asyncio
import copy
import html
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import aiohttp
from aiohttp import web

__all__ = [
    "ApiError",
    "BOT_FIRST_NAME",
    "BOT_USERNAME",
    "Call",
    "DEFAULT_TOKEN",
    "Fault",
    "FakeBotAPI",
    "WaitTimeout",
]

DEFAULT_TOKEN = "7000000001:AAFakeTokenForLocalTestsOnly_xyz123"
BOT_FIRST_NAME = "Safety Bot"
BOT_USERNAME = "SafetyTestBot"
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

# Parameters whose values are free text: PTB sends str values unencoded, so "123" or "true"
# typed by a user must stay a string instead of being JSON-decoded into 123 / True.
STRING_PARAMS = frozenset(
    {
        "text", "caption", "query", "data", "callback_query_id", "inline_query_id",
        "inline_message_id", "url", "secret_token", "parse_mode", "file_id", "description",
        "short_description", "name", "title", "language_code", "ip_address", "action",
        "emoji", "question", "phone_number", "first_name", "last_name", "vcard",
        "message_effect_id", "business_connection_id", "next_offset", "switch_pm_text",
        "switch_pm_parameter", "address", "foursquare_id", "foursquare_type",
        "google_place_id", "google_place_type", "photo", "video", "document", "audio",
        "voice", "video_note", "animation", "sticker", "thumbnail", "performer",
        "custom_emoji_id", "invite_link", "sticker_set_name", "payload", "currency",
        "provider_token", "start_parameter", "explanation", "emoji_status_custom_emoji_id",
        "gift_id", "prepared_message_id", "web_app_query_id", "shipping_query_id",
        "pre_checkout_query_id", "error_message", "user_chat_id",
    }
)

_STATUS_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    420: "Flood",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

Json = Dict[str, Any]
Predicate = Callable[["Call"], bool]


# --------------------------------------------------------------------------------------------
# Records, errors, faults
# --------------------------------------------------------------------------------------------
@dataclass
class Call:
    """One request the stand-in received.

    ``time`` is ``time.monotonic()`` at arrival (good for measuring retry back-off).
    ``status`` is the HTTP status answered (None while still pending, e.g. a long poll or a
    "slow" fault; 0 when the connection was dropped without an answer).  ``result`` is the
    ``result`` answered on success, or the error body otherwise.  ``fault`` names the injected
    fault that hit this request, if any.  ``files`` maps multipart file part names to
    ``{"filename", "content_type", "size"}``.
    """

    method: str
    params: Json
    time: float
    fault: Optional[str] = None
    status: Optional[int] = None
    result: Any = None
    files: Json = field(default_factory=dict)
    http_method: str = "POST"
    index: int = -1

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return _norm_chat_id(self.params.get("chat_id"))

    @property
    def text(self) -> Optional[str]:
        value = self.params.get("text")
        return value if value is None else str(value)

    def __repr__(self) -> str:  # short, so WaitTimeout messages stay readable
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(params) > 160:
            params = params[:157] + "..."
        extra = f" fault={self.fault}" if self.fault else ""
        return f"<Call #{self.index} {self.method} {params} status={self.status}{extra}>"


class ApiError(Exception):
    """Raise from a custom handler (``FakeBotAPI.set_handler``) to answer an API error."""

    def __init__(self, code: int, description: Optional[str] = None, parameters: Optional[Json] = None):
        self.code = int(code)
        self.description = description or _STATUS_DESCRIPTIONS.get(self.code, f"Error {code}")
        self.parameters = parameters
        super().__init__(f"{self.code}: {self.description}")

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class WaitTimeout(TimeoutError, AssertionError):
    """A ``wait_*`` helper gave up; the message lists what was recorded."""


@dataclass
class Fault:
    """An injected fault; returned by ``FakeBotAPI.inject`` (see there)."""

    method: Optional[str]  # None: any method
    kind: str  # "429", "500", "502", any other status code, "slow", "drop", "drop_after"
    remaining: Optional[int]  # None: unlimited
    retry_after: float = 1
    seconds: float = 1.0
    description: Optional[str] = None
    chat_id: Any = None
    hits: int = 0

    def matches(self, method: str, params: Json) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.chat_id is not None and _norm_chat_id(params.get("chat_id")) != self.chat_id:
            return False
        return True


_DEFAULT = object()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def _norm_chat_id(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def _decode_param(key: str, value: str) -> Any:
    if key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


def _json_bytes(value: Any) -> bytes:
    """UTF-8 JSON; text with lone surrogates (e.g. "\\ud800") goes as \\u escapes, as JSON allows."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True).encode("ascii")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _as_int(value: Any, default: Optional[int] = None) -> Optional[int]:
    if value is None or value == "":
        return default
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid integer value {value!r}") from None


_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_HTML_ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "tg-emoji", "blockquote",
}


def _visible_text(text: str, parse_mode: Optional[str]) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return html.unescape(_HTML_TAG.sub("", text))
    if mode in ("markdown", "markdownv2"):
        return re.sub(r"\\(.)", r"\1", text)
    return text


def _check_html(text: str) -> None:
    """Roughly what Telegram refuses with "can't parse entities" (strict mode only)."""
    stack: List[str] = []
    pos = 0
    for match in _HTML_TAG.finditer(text):
        between = text[pos:match.start()]
        if "<" in between:
            raise ApiError(400, "Bad Request: can't parse entities: unexpected \"<\" at offset "
                           f"{pos + between.index('<')}")
        pos = match.end()
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in _HTML_ALLOWED:
            raise ApiError(400, f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\"")
        if closing:
            if not stack or stack[-1] != tag:
                raise ApiError(400, f"Bad Request: can't parse entities: Unmatched end tag \"{tag}\"")
            stack.pop()
        else:
            stack.append(tag)
    if "<" in text[pos:]:
        raise ApiError(400, "Bad Request: can't parse entities: unexpected \"<\"")
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag corresponding "
                       f"to start tag \"{stack[-1]}\"")


def _update_type(update: Json) -> Optional[str]:
    for key in update:
        if key != "update_id":
            return key
    return None


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------
class FakeBotAPI:
    """A Telegram Bot API stand-in on 127.0.0.1.

    Args:
        token: the only token accepted (others get 401 Unauthorized).
        port: 0 (default) picks a free port; it is kept across stop()/start().
        strict: also refuse what Telegram refuses but a lenient fake would not need to:
            editing an unknown message ("message to edit not found"), an edit that changes
            nothing ("message is not modified"), malformed HTML with parse_mode=HTML.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, *, port: int = 0, strict: bool = False,
                 bot_first_name: str = BOT_FIRST_NAME, bot_username: str = BOT_USERNAME):
        self.token = token
        self.strict = strict
        try:
            self.bot_id = int(token.split(":", 1)[0])
        except ValueError:
            self.bot_id = 7000000001
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self._port = port
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: List[Call] = []
        self._faults: List[Fault] = []
        self._handlers: Dict[str, Callable[[Json], Any]] = {}
        self._pending: List[Json] = []
        self._update_ids = itertools.count(1000)
        self._last_update_id = 999
        self._user_ids = itertools.count(100000001)
        self._group_ids = itertools.count(1)
        self._ids = itertools.count(1)  # callback query ids, inline query ids, file ids, ...
        self._msg_counters: Dict[Any, int] = {}
        self._messages: Dict[Tuple[Any, int], Json] = {}
        self._chats: Dict[Any, Json] = {}
        self._users: Dict[int, Json] = {}
        self._commands: Dict[Tuple[str, str], List[Json]] = {}
        self._menu_buttons: Dict[Any, Json] = {}
        self.webhook: Json = {"url": "", "secret_token": None, "drop_pending_updates": None,
                              "allowed_updates": None, "max_connections": None}
        self.allowed_updates: Optional[List[str]] = None
        self.filtered_updates: List[Json] = []
        self.webhook_deliveries: List[Json] = []
        self.logged_out = False
        self._poll_generation = 0
        self._closing = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._poll_event: Optional[asyncio.Event] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self._thread_loop: Optional[asyncio.AbstractEventLoop] = None

    # ---------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Pass as ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)`` / TELEGRAM_API_URL."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass as ``base_file_url`` / TELEGRAM_FILE_URL; downloads are recorded as "downloadFile"."""
        return f"{self.url}/file/bot"

    def env(self) -> Dict[str, str]:
        """Environment variables pointing the bot (bot/settings.py) at this stand-in."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_URL": self.base_url,
                "TELEGRAM_FILE_URL": self.base_file_url}

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> "FakeBotAPI":
        if self._runner is not None:
            return self
        self._loop = asyncio.get_running_loop()
        self._poll_event = asyncio.Event()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                               shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self._port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        self._port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        return self

    async def stop(self) -> None:
        runner = self._runner
        if runner is None:
            return
        self._closing = True
        self._wake_pollers_in_loop()
        await asyncio.sleep(0)
        try:
            await runner.cleanup()
        finally:
            self._runner = None
            self._closing = False

    async def __aenter__(self) -> "FakeBotAPI":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 10.0) -> "FakeBotAPI":
        """Run the server on its own event loop in a daemon thread; returns self."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: List[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._thread_loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                try:
                    loop.run_until_complete(self.stop())
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    loop.close()

        thread = threading.Thread(target=main, name="FakeBotAPI", daemon=True)
        self._thread = thread
        thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("FakeBotAPI thread did not start in time")
        if errors:
            self._thread = None
            self._thread_loop = None
            raise errors[0]
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(self.stop(), loop)
            try:
                fut.result(timeout)
            finally:
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None
        self._thread_loop = None

    def __enter__(self) -> "FakeBotAPI":
        return self.start_in_thread()

    def __exit__(self, *exc: Any) -> None:
        self.stop_thread()

    # ---------------------------------------------------------------- fault injection
    def inject(self, method: Optional[str], kind: Union[str, int, Tuple[Any, ...]], times: Optional[int] = 1,
               *, retry_after: float = 1, seconds: float = 1.0, description: Optional[str] = None,
               chat_id: Any = None) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: until removed).

        ``method``: a Bot API method name, or None / "*" for every method.
        ``kind``:
          * ``"429"`` or ``("429", retry_after)``: HTTP 429, parameters.retry_after;
          * ``"500"``, ``"502"``, ... any status code: that status with ok false
            (``description`` overrides the text; ``"403"`` reads "bot was blocked by the user");
          * ``"slow"`` or ``("slow", seconds)``: answer normally after a delay;
          * ``"drop"``: close the connection without answering (the request is NOT processed);
          * ``"drop_after"``: process the request (e.g. the message is "sent"), then close the
            connection without answering, like a reply lost on the way back.
        ``chat_id``: only requests whose chat_id parameter equals this.
        Faults are consumed one per request, method-specific ones before catch-all ones.
        """
        if isinstance(kind, tuple):
            kind, arg = kind[0], (kind[1] if len(kind) > 1 else None)
            kind = str(kind)
            if arg is not None:
                if kind == "429":
                    retry_after = arg
                elif kind == "slow":
                    seconds = arg
                else:
                    description = str(arg)
        kind = str(kind)
        if not (kind.isdigit() or kind in ("slow", "drop", "drop_after")):
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(method=None if method in (None, "*") else method, kind=kind,
                      remaining=times, retry_after=retry_after, seconds=float(seconds),
                      description=description, chat_id=_norm_chat_id(chat_id))
        with self._lock:
            self._faults.append(fault)
        return fault

    def block(self, chat_id: Any) -> Fault:
        """Answer 403 "Forbidden: bot was blocked by the user" to every request for chat_id."""
        return self.inject(None, "403", times=None, chat_id=chat_id)

    def remove_fault(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str, params: Json) -> Optional[Fault]:
        candidates = [f for f in self._faults if f.matches(method, params)]
        if not candidates:
            return None
        candidates.sort(key=lambda f: f.method is None)  # specific first (stable)
        fault = candidates[0]
        fault.hits += 1
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
        return fault

    def set_handler(self, method: str, handler: Optional[Callable[[Json], Any]]) -> None:
        """Answer ``method`` with ``handler(params)`` (sync or async; may raise ApiError).

        ``None`` restores the built-in behaviour.
        """
        with self._lock:
            if handler is None:
                self._handlers.pop(method.lower(), None)
            else:
                self._handlers[method.lower()] = handler

    # ---------------------------------------------------------------- HTTP handlers
    async def _read_params(self, request: web.Request) -> Tuple[Json, Json]:
        params: Json = {}
        files: Json = {}
        for key, value in request.query.items():
            params[key] = _decode_param(key, value)
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                raw = await request.read()
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ApiError(400, "Bad Request: can't parse JSON body") from None
                    if isinstance(body, dict):
                        params.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        try:
                            content = value.file.read()
                        finally:
                            value.file.close()
                        files[key] = {"filename": value.filename, "content_type": value.content_type,
                                      "size": len(content)}
                    else:
                        params[key] = _decode_param(key, str(value))
            else:
                await request.read()
        return params, files

    def _record(self, method: str, params: Json, files: Json, http_method: str) -> Call:
        call = Call(method=method, params=params, time=time.monotonic(), files=files,
                    http_method=http_method, index=len(self._calls))
        self._calls.append(call)
        self._cond.notify_all()
        return call

    def _finish(self, call: Call, status: int, body: Json) -> web.Response:
        with self._lock:
            call.status = status
            call.result = body.get("result") if body.get("ok") else body
            self._cond.notify_all()
        return web.Response(status=status, content_type="application/json", body=_json_bytes(body))

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        try:
            params, files = await self._read_params(request)
        except ApiError as err:
            params, files = {}, {}
            with self._lock:
                call = self._record(method, params, files, request.method)
            return self._finish(call, err.code, err.body())
        with self._lock:
            call = self._record(method, params, files, request.method)
            if token != self.token:
                return self._finish(call, 401, ApiError(401, "Unauthorized").body())
            fault = self._take_fault(method, params)
            call.fault = fault.kind if fault else None
        if fault is not None and fault.kind == "drop":
            self._drop(call, request)
        try:
            if fault is not None:
                if fault.kind.isdigit():
                    code = int(fault.kind)
                    if code == 429:
                        retry = fault.retry_after
                        retry = int(retry) if float(retry).is_integer() else retry
                        err = ApiError(429, fault.description or f"Too Many Requests: retry after {retry}",
                                       {"retry_after": retry})
                    else:
                        err = ApiError(code, fault.description)
                    return self._finish(call, code, err.body())
                if fault.kind == "slow":
                    await asyncio.sleep(fault.seconds)
            result = await self._process(method, params, call, request)
        except ApiError as err:
            return self._finish(call, err.code, err.body())
        except asyncio.CancelledError:
            with self._lock:
                call.result = {"ok": False, "description": "client went away before the answer"}
                self._cond.notify_all()
            raise
        if fault is not None and fault.kind == "drop_after":
            with self._lock:
                call.result = result
            self._drop(call, request)
        return self._finish(call, 200, {"ok": True, "result": result})

    def _drop(self, call: Call, request: web.Request) -> None:
        """Close the connection without an answer (the client sees a disconnect)."""
        with self._lock:
            call.status = 0
            self._cond.notify_all()
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        path = request.match_info["path"]
        with self._lock:
            call = self._record("downloadFile", {"file_path": path}, {}, request.method)
            call.status = 200 if token == self.token else 401
            self._cond.notify_all()
        if token != self.token:
            return web.Response(status=401, text="Unauthorized")
        return web.Response(status=200, body=b"fake file content for " + path.encode(),
                            content_type="application/octet-stream")

    async def _handle_not_found(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            call = self._record("(not found)", {"path": request.path}, {}, request.method)
        return self._finish(call, 404, ApiError(404, "Not Found").body())

    async def _process(self, method: str, params: Json, call: Call, request: web.Request) -> Any:
        with self._lock:
            handler = self._handlers.get(method.lower())
        if handler is not None:
            result = handler(params)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                result = await result
            return result
        if method.lower() == "getupdates":
            return await self._get_updates(params, request)
        with self._lock:
            fn = self._METHODS.get(method.lower())
            if fn is not None:
                return fn(self, params, call)
            if method.lower().startswith("send"):
                return self._send_generic(method, params)
            return True

    # ---------------------------------------------------------------- getUpdates
    def _wake_pollers_in_loop(self) -> None:
        event = self._poll_event
        if event is None:
            return
        self._poll_event = asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or self._runner is None:
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            self._wake_pollers_in_loop()
        else:
            try:
                loop.call_soon_threadsafe(self._wake_pollers_in_loop)
            except RuntimeError:
                pass

    def _confirm(self, offset: Optional[int]) -> None:
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _select(self, limit: int) -> List[Json]:
        allowed = self.allowed_updates
        if allowed:
            keep = []
            for update in self._pending:
                if _update_type(update) in allowed:
                    keep.append(update)
                else:
                    self.filtered_updates.append(update)
            self._pending = keep
        return copy.deepcopy(self._pending[:limit])

    async def _get_updates(self, params: Json, request: web.Request) -> List[Json]:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.webhook["url"]:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            offset = _as_int(params.get("offset"))
            limit = max(1, min(100, _as_int(params.get("limit"), 100) or 100))
            try:
                timeout = max(0.0, float(params.get("timeout") or 0))
            except (TypeError, ValueError):
                raise ApiError(400, "Bad Request: invalid timeout") from None
            allowed = params.get("allowed_updates")
            if allowed is not None:
                self.allowed_updates = list(allowed)
            self._confirm(offset)
            self._cond.notify_all()
            self._poll_generation += 1
            generation = self._poll_generation
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(409)
                event = self._poll_event
                batch = self._select(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0 or event is None:
                return batch
            transport = request.transport
            if transport is None or transport.is_closing():
                raise asyncio.CancelledError()
            try:
                await asyncio.wait_for(event.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    # ---------------------------------------------------------------- method implementations
    def bot_user(self) -> Json:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def _m_get_me(self, p: Json, call: Call) -> Json:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _m_log_out(self, p: Json, call: Call) -> bool:
        self.logged_out = True
        return True

    def _m_close(self, p: Json, call: Call) -> bool:
        return True

    def _m_set_webhook(self, p: Json, call: Call) -> bool:
        url = p.get("url") or ""
        if url and not re.match(r"^https?://", str(url)):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": str(url), "secret_token": p.get("secret_token"),
                        "drop_pending_updates": p.get("drop_pending_updates"),
                        "allowed_updates": p.get("allowed_updates"),
                        "max_connections": p.get("max_connections"),
                        "has_certificate": "certificate" in call.files}
        if p.get("allowed_updates") is not None:
            self.allowed_updates = list(p["allowed_updates"])
        if p.get("drop_pending_updates"):
            self._pending.clear()
        if url:
            self._poll_generation += 1  # like Telegram: a webhook ends long polls
        return True

    def _m_delete_webhook(self, p: Json, call: Call) -> bool:
        self.webhook = {**self.webhook, "url": "", "secret_token": None,
                        "drop_pending_updates": p.get("drop_pending_updates")}
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _m_get_webhook_info(self, p: Json, call: Call) -> Json:
        info: Json = {"url": self.webhook["url"],
                      "has_custom_certificate": bool(self.webhook.get("has_certificate")),
                      "pending_update_count": len(self._pending)}
        if self.webhook.get("max_connections"):
            info["max_connections"] = self.webhook["max_connections"]
        if self.webhook.get("allowed_updates") is not None:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _require(self, p: Json, key: str, description: str) -> Any:
        value = p.get(key)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {description}")
        return value

    def _check_markup(self, p: Json) -> Optional[Json]:
        markup = p.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _check_text(self, text: Any, parse_mode: Any, empty: str, too_long: str) -> str:
        if text is None or not str(text).strip():
            raise ApiError(400, f"Bad Request: {empty}")
        text = str(text)
        if self.strict and str(parse_mode or "").lower() == "html":
            _check_html(text)
        if len(_visible_text(text, parse_mode)) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, f"Bad Request: {too_long}")
        return text

    def _chat(self, chat_id: Any) -> Json:
        chat_id = _norm_chat_id(chat_id)
        known = self._chats.get(chat_id)
        if known is not None:
            return copy.deepcopy(known)
        if isinstance(chat_id, str):  # "@channelusername"
            chat = {"id": -1009000000000 - len(self._chats), "type": "channel",
                    "title": chat_id.lstrip("@"), "username": chat_id.lstrip("@")}
        elif chat_id > 0:
            user = self._users.get(chat_id, {})
            chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        elif str(chat_id).startswith("-100"):
            chat = {"id": chat_id, "type": "supergroup", "title": "Test Supergroup"}
        else:
            chat = {"id": chat_id, "type": "group", "title": "Test Group"}
        self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _next_message_id(self, chat_id: Any) -> int:
        chat_id = _norm_chat_id(chat_id)
        self._msg_counters[chat_id] = self._msg_counters.get(chat_id, 0) + 1
        return self._msg_counters[chat_id]

    def _new_bot_message(self, chat_id: Any, **content: Any) -> Json:
        chat = self._chat(chat_id)
        message = {"message_id": self._next_message_id(chat["id"]), "from": self.bot_user(),
                   "chat": chat, "date": int(time.time())}
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    @staticmethod
    def _inline_markup(markup: Optional[Json]) -> Optional[Json]:
        # Telegram echoes only inline keyboards back in the Message.
        if markup and "inline_keyboard" in markup:
            return {"inline_keyboard": markup["inline_keyboard"]}
        return None

    def _m_send_message(self, p: Json, call: Call) -> Json:
        chat_id = self._require(p, "chat_id", "chat_id is empty")
        text = self._check_text(p.get("text"), p.get("parse_mode"), "message text is empty",
                                "message is too long")
        markup = self._inline_markup(self._check_markup(p))
        return self._new_bot_message(chat_id, text=text, reply_markup=markup)

    def _edited(self, p: Json, call: Call, **changes: Any) -> Union[Json, bool]:
        if p.get("inline_message_id"):
            return True
        chat_id = _norm_chat_id(self._require(p, "chat_id", "chat_id is empty"))
        message_id = _as_int(self._require(p, "message_id", "message identifier is not specified"))
        key = (chat_id, message_id)
        existing = self._messages.get(key)
        if existing is None:
            if self.strict:
                raise ApiError(400, "Bad Request: message to edit not found")
            existing = {"message_id": message_id, "from": self.bot_user(),
                        "chat": self._chat(chat_id), "date": int(time.time())}
        updated = copy.deepcopy(existing)
        for name, value in changes.items():
            if value is None:
                updated.pop(name, None)
            else:
                updated[name] = value
        if self.strict and {k: v for k, v in updated.items() if k != "edit_date"} == \
                {k: v for k, v in existing.items() if k != "edit_date"}:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        updated["edit_date"] = int(time.time())
        self._messages[key] = updated
        return copy.deepcopy(updated)

    def _m_edit_message_text(self, p: Json, call: Call) -> Union[Json, bool]:
        text = self._check_text(p.get("text"), p.get("parse_mode"), "message text is empty",
                                "MESSAGE_TOO_LONG")
        markup = self._inline_markup(self._check_markup(p))
        return self._edited(p, call, text=text, reply_markup=markup)

    def _m_edit_message_caption(self, p: Json, call: Call) -> Union[Json, bool]:
        markup = self._inline_markup(self._check_markup(p))
        return self._edited(p, call, caption=p.get("caption"), reply_markup=markup)

    def _m_edit_message_reply_markup(self, p: Json, call: Call) -> Union[Json, bool]:
        markup = self._inline_markup(self._check_markup(p))
        return self._edited(p, call, reply_markup=markup)

    def _m_delete_message(self, p: Json, call: Call) -> bool:
        key = (_norm_chat_id(p.get("chat_id")), _as_int(p.get("message_id")))
        if self._messages.pop(key, None) is None and self.strict:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_send_chat_action(self, p: Json, call: Call) -> bool:
        self._require(p, "chat_id", "chat_id is empty")
        self._require(p, "action", "wrong parameter action in request")
        return True

    def _m_answer_callback_query(self, p: Json, call: Call) -> bool:
        self._require(p, "callback_query_id", "query is too old and response timeout expired or query ID is invalid")
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_answer_inline_query(self, p: Json, call: Call) -> bool:
        self._require(p, "inline_query_id", "query is too old and response timeout expired or query ID is invalid")
        results = p.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: results must be an array")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return True

    @staticmethod
    def _scope_key(p: Json) -> Tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _m_set_my_commands(self, p: Json, call: Call) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._scope_key(p)] = copy.deepcopy(commands)
        return True

    def _m_get_my_commands(self, p: Json, call: Call) -> List[Json]:
        return copy.deepcopy(self._commands.get(self._scope_key(p), []))

    def _m_delete_my_commands(self, p: Json, call: Call) -> bool:
        self._commands.pop(self._scope_key(p), None)
        return True

    def _m_set_chat_menu_button(self, p: Json, call: Call) -> bool:
        self._menu_buttons[_norm_chat_id(p.get("chat_id"))] = p.get("menu_button") or {"type": "default"}
        return True

    def _m_get_chat_menu_button(self, p: Json, call: Call) -> Json:
        return copy.deepcopy(self._menu_buttons.get(_norm_chat_id(p.get("chat_id")), {"type": "default"}))

    def _m_get_file(self, p: Json, call: Call) -> Json:
        file_id = str(self._require(p, "file_id", "invalid file_id"))
        return {"file_id": file_id, "file_unique_id": f"u{abs(hash(file_id)) % 10**10}",
                "file_size": 1234, "file_path": f"files/{re.sub(r'[^A-Za-z0-9_.-]', '_', file_id)}"}

    def _m_get_chat(self, p: Json, call: Call) -> Json:
        chat = self._chat(self._require(p, "chat_id", "chat not found"))
        chat.update({"accent_color_id": 0, "max_reaction_count": 11,
                     "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                             "unique_gifts": False, "premium_subscription": False,
                                             "gifts_from_channels": False}})
        return chat

    def _m_get_chat_member(self, p: Json, call: Call) -> Json:
        user_id = _as_int(self._require(p, "user_id", "user not found"))
        if user_id == self.bot_id:
            user = self.bot_user()
        else:
            user = copy.deepcopy(self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"}))
        return {"status": "member", "user": user}

    def _m_copy_message(self, p: Json, call: Call) -> Json:
        chat_id = self._require(p, "chat_id", "chat_id is empty")
        return {"message_id": self._new_bot_message(chat_id)["message_id"]}

    def _m_forward_message(self, p: Json, call: Call) -> Json:
        chat_id = self._require(p, "chat_id", "chat_id is empty")
        return self._new_bot_message(chat_id)

    def _m_send_media_group(self, p: Json, call: Call) -> List[Json]:
        chat_id = self._require(p, "chat_id", "chat_id is empty")
        media = p.get("media") or []
        group_id = str(next(self._ids))
        return [self._new_bot_message(chat_id, media_group_id=group_id,
                                      **self._media_content(str(item.get("type", "document")), item.get("caption")))
                for item in media]

    def _media_content(self, kind: str, caption: Optional[str] = None, **extra: Any) -> Json:
        n = next(self._ids)
        fid = f"{kind}-{n}"
        base = {"file_id": fid, "file_unique_id": f"u{kind}{n}", "file_size": 1000 + n}
        if kind == "photo":
            content: Any = [{**base, "file_id": fid + "-s", "file_unique_id": f"u{kind}{n}s",
                             "width": 90, "height": 67},
                            {**base, "width": 1280, "height": 960}]
        elif kind == "video":
            content = {**base, "width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}
        elif kind == "animation":
            content = {**base, "width": 320, "height": 240, "duration": 3, "mime_type": "video/mp4"}
        elif kind == "document":
            content = {**base, "file_name": "document.pdf", "mime_type": "application/pdf"}
        elif kind == "sticker":
            content = {**base, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                       "is_video": False, "emoji": "\U0001F600"}
        elif kind == "voice":
            content = {**base, "duration": 3, "mime_type": "audio/ogg"}
        elif kind == "audio":
            content = {**base, "duration": 30, "mime_type": "audio/mpeg"}
        elif kind == "video_note":
            content = {**base, "length": 240, "duration": 4}
        elif kind == "location":
            content = {"latitude": 11.5564, "longitude": 104.9282}
        elif kind == "contact":
            content = {"phone_number": "+85512345678", "first_name": "Contact"}
        else:
            return {"caption": caption} if caption else {}
        content_dict = {kind: content}
        if isinstance(content, dict):
            content.update(extra)
        if caption:
            content_dict["caption"] = caption
        return content_dict

    _SEND_KINDS = {
        "sendphoto": "photo", "sendvideo": "video", "sendanimation": "animation",
        "senddocument": "document", "sendsticker": "sticker", "sendvoice": "voice",
        "sendaudio": "audio", "sendvideonote": "video_note", "sendlocation": "location",
        "sendcontact": "contact",
    }

    def _send_generic(self, method: str, p: Json) -> Json:
        chat_id = self._require(p, "chat_id", "chat_id is empty")
        caption = p.get("caption")
        if caption is not None and len(_visible_text(str(caption), p.get("parse_mode"))) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._inline_markup(self._check_markup(p))
        kind = self._SEND_KINDS.get(method.lower())
        content = self._media_content(kind, caption) if kind else ({"caption": caption} if caption else {})
        if kind == "location":
            content["location"] = {"latitude": p.get("latitude", 0.0), "longitude": p.get("longitude", 0.0)}
        elif kind == "contact":
            content["contact"] = {"phone_number": str(p.get("phone_number", "")),
                                  "first_name": str(p.get("first_name", ""))}
        elif method.lower() == "senddice":
            content = {"dice": {"emoji": p.get("emoji") or "\U0001F3B2", "value": 1}}
        return self._new_bot_message(chat_id, reply_markup=markup, **content)

    _METHODS: Dict[str, Callable[..., Any]] = {}

    # ---------------------------------------------------------------- driving the bot
    def make_user(self, id: Optional[int] = None, first_name: str = "Test", language_code: Optional[str] = "en",
                  *, username: Optional[str] = None, last_name: Optional[str] = None,
                  is_bot: bool = False) -> Json:
        """A User dict (id auto-assigned when None); its private chat becomes known."""
        with self._lock:
            if id is None:
                id = next(self._user_ids)
            user: Json = {"id": int(id), "is_bot": is_bot, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[user["id"]] = user
            self._chats[user["id"]] = self._private_chat(user)
            return copy.deepcopy(user)

    @staticmethod
    def _private_chat(user: Json) -> Json:
        chat = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "User")}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def private_chat(self, user: Json) -> Json:
        return self._private_chat(user)

    def group_chat(self, id: Optional[int] = None, title: str = "Test Group", *, supergroup: bool = False) -> Json:
        """A group chat dict (negative id; -100... for supergroups)."""
        with self._lock:
            if id is None:
                n = next(self._group_ids)
                id = (-1001000000000 - n) if supergroup else (-4000000000 - n)
            chat = {"id": int(id), "type": "supergroup" if supergroup else "group", "title": title}
            self._chats[chat["id"]] = chat
            return copy.deepcopy(chat)

    def _next_update_id(self) -> int:
        uid = next(self._update_ids)
        self._last_update_id = max(self._last_update_id, uid)
        return uid

    def _user_message(self, user: Json, chat: Optional[Json], message_id: Optional[int] = None,
                      **content: Any) -> Json:
        chat = copy.deepcopy(chat) if chat is not None else self._private_chat(user)
        self._chats.setdefault(chat["id"], chat)
        self._users.setdefault(user["id"], copy.deepcopy(user))
        if message_id is None:
            message_id = self._next_message_id(chat["id"])
        message = {"message_id": message_id, "from": copy.deepcopy(user), "chat": chat,
                   "date": int(time.time())}
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages[(chat["id"], message_id)] = copy.deepcopy(message)
        return message

    def message(self, user: Json, chat: Optional[Json] = None, **content: Any) -> Json:
        """An update with a message carrying arbitrary content fields (e.g. location=...)."""
        with self._lock:
            return {"update_id": self._next_update_id(), "message": self._user_message(user, chat, **content)}

    def text_message(self, user: Json, text: str, chat: Optional[Json] = None,
                     entities: Optional[List[Json]] = None, *, reply_to: Optional[Json] = None) -> Json:
        """An update with a text message (private chat with ``user`` unless ``chat`` is given)."""
        with self._lock:
            message = self._user_message(user, chat, text=text, entities=entities,
                                         reply_to_message=copy.deepcopy(reply_to) if reply_to else None)
            return {"update_id": self._next_update_id(), "message": message}

    def command(self, user: Json, command_text: str, chat: Optional[Json] = None) -> Json:
        """An update with e.g. "/start payload", with the bot_command entity Telegram adds."""
        word = command_text.split(maxsplit=1)[0] if command_text.strip() else command_text
        offset = _utf16_len(command_text[:command_text.index(word)]) if word else 0
        entities = [{"type": "bot_command", "offset": offset, "length": _utf16_len(word)}]
        return self.text_message(user, command_text, chat, entities)

    def callback_query(self, user: Json, data: str, message: Union[Json, int, None] = None,
                       *, chat: Optional[Json] = None) -> Json:
        """An update with a button press.  ``message``: the bot's message dict (e.g. one from
        ``bot_messages``), its message_id in ``chat`` / the private chat, or None for a fresh
        bot message with that button."""
        with self._lock:
            chat = copy.deepcopy(chat) if chat is not None else self._private_chat(user)
            self._chats.setdefault(chat["id"], chat)
            if isinstance(message, dict):
                msg = copy.deepcopy(message)
            elif isinstance(message, int) and (chat["id"], message) in self._messages:
                msg = copy.deepcopy(self._messages[(chat["id"], message)])
            else:
                markup = {"inline_keyboard": [[{"text": str(data), "callback_data": data}]]}
                msg = self._new_bot_message(chat["id"], text="Choose:", reply_markup=markup)
            query = {"id": str(4000000000 + next(self._ids)), "from": copy.deepcopy(user),
                     "chat_instance": f"ci{abs(msg['chat']['id'])}", "data": data, "message": msg}
            return {"update_id": self._next_update_id(), "callback_query": query}

    def press_button(self, user: Json, label: str, chat_id: Any = None) -> Json:
        """A callback_query update pressing the inline button whose text or callback_data is
        ``label`` (or whose text contains it) on the bot's latest message that has one."""
        with self._lock:
            chat_id = _norm_chat_id(chat_id if chat_id is not None else user["id"])
            seen = []
            for message in reversed(self.bot_messages(chat_id)):
                buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
                seen.extend(b.get("text") for b in buttons)
                for matcher in (lambda b: b.get("text") == label or b.get("callback_data") == label,
                                lambda b: label in str(b.get("text", ""))):
                    for button in buttons:
                        if "callback_data" in button and matcher(button):
                            return self.callback_query(user, button["callback_data"], message,
                                                       chat=message["chat"])
            raise LookupError(f"no inline button {label!r} in chat {chat_id}; buttons seen: {seen}")

    def inline_query(self, user: Json, query: str, offset: str = "", chat_type: Optional[str] = "sender") -> Json:
        with self._lock:
            body = {"id": str(5000000000 + next(self._ids)), "from": copy.deepcopy(user),
                    "query": query, "offset": offset}
            if chat_type:
                body["chat_type"] = chat_type
            return {"update_id": self._next_update_id(), "inline_query": body}

    def media_message(self, user: Json, kind: str, chat: Optional[Json] = None,
                      caption: Optional[str] = None) -> Json:
        """kind: photo, video, animation, document, sticker, voice, audio, video_note,
        location or contact."""
        with self._lock:
            content = self._media_content(kind, caption)
            if kind == "contact":
                content["contact"].update(first_name=user.get("first_name", "Contact"), user_id=user["id"])
            return {"update_id": self._next_update_id(), "message": self._user_message(user, chat, **content)}

    def photo_message(self, user: Json, chat: Optional[Json] = None, caption: Optional[str] = None) -> Json:
        return self.media_message(user, "photo", chat, caption)

    def video_message(self, user: Json, chat: Optional[Json] = None, caption: Optional[str] = None) -> Json:
        return self.media_message(user, "video", chat, caption)

    def document_message(self, user: Json, chat: Optional[Json] = None, caption: Optional[str] = None) -> Json:
        return self.media_message(user, "document", chat, caption)

    def sticker_message(self, user: Json, chat: Optional[Json] = None) -> Json:
        return self.media_message(user, "sticker", chat)

    def voice_message(self, user: Json, chat: Optional[Json] = None) -> Json:
        return self.media_message(user, "voice", chat)

    def video_note_message(self, user: Json, chat: Optional[Json] = None) -> Json:
        return self.media_message(user, "video_note", chat)

    def audio_message(self, user: Json, chat: Optional[Json] = None, caption: Optional[str] = None) -> Json:
        return self.media_message(user, "audio", chat, caption)

    def location_message(self, user: Json, chat: Optional[Json] = None) -> Json:
        return self.media_message(user, "location", chat)

    def contact_message(self, user: Json, chat: Optional[Json] = None) -> Json:
        return self.media_message(user, "contact", chat)

    def edited_message(self, user: Json, text: str, message_id: Optional[int] = None,
                       chat: Optional[Json] = None) -> Json:
        """An edited_message update (of ``message_id``, default: the user's latest message there)."""
        with self._lock:
            chat = copy.deepcopy(chat) if chat is not None else self._private_chat(user)
            if message_id is None:
                own = [mid for (cid, mid), m in self._messages.items()
                       if cid == chat["id"] and m.get("from", {}).get("id") == user["id"]]
                message_id = max(own) if own else self._next_message_id(chat["id"])
            message = self._user_message(user, chat, message_id=message_id, text=text,
                                         edit_date=int(time.time()))
            return {"update_id": self._next_update_id(), "edited_message": message}

    def my_chat_member(self, user: Json, new_status: str = "kicked", old_status: str = "member") -> Json:
        """The update Telegram sends when a user blocks ("kicked") / unblocks ("member") the bot."""
        def member(status: str) -> Json:
            body: Json = {"user": self.bot_user(), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body
        with self._lock:
            body = {"chat": self._private_chat(user), "from": copy.deepcopy(user), "date": int(time.time()),
                    "old_chat_member": member(old_status), "new_chat_member": member(new_status)}
            return {"update_id": self._next_update_id(), "my_chat_member": body}

    def chat_boost(self, chat: Optional[Json] = None, user: Optional[Json] = None) -> Json:
        """A chat_boost update (a kind of update the bot does not handle)."""
        with self._lock:
            chat = chat or self.group_chat(supergroup=True)
            user = user or {"id": 100000000, "is_bot": False, "first_name": "Booster"}
            now = int(time.time())
            boost = {"boost_id": f"boost-{next(self._ids)}", "add_date": now,
                     "expiration_date": now + 86400 * 30,
                     "source": {"source": "premium", "user": copy.deepcopy(user)}}
            return {"update_id": self._next_update_id(), "chat_boost": {"chat": chat, "boost": boost}}

    def unknown_update(self, key: str = "future_update_kind", payload: Any = None) -> Json:
        """An update of a type PTB does not know (only update_id and an unknown key)."""
        with self._lock:
            return {"update_id": self._next_update_id(), key: payload if payload is not None else {"x": 1}}

    def push_update(self, update: Json) -> Json:
        """Queue an update for getUpdates (thread-safe); assigns update_id if missing."""
        update = copy.deepcopy(update)
        with self._lock:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id()
            else:
                self._last_update_id = max(self._last_update_id, int(update["update_id"]))
            self._pending.append(update)
            self._cond.notify_all()
        self._wake_pollers()
        return update

    def push_updates(self, *updates: Json) -> List[Json]:
        return [self.push_update(u) for u in updates]

    @property
    def pending_updates(self) -> List[Json]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._pending)

    # ---------------------------------------------------------------- webhook delivery
    async def deliver_webhook(self, update: Optional[Json] = None, *, url: Optional[str] = None,
                              secret_token: Any = _DEFAULT, timeout: float = 10.0) -> int:
        """POST an update (default: the oldest pending one, which is then dropped) to the
        registered webhook url with X-Telegram-Bot-Api-Secret-Token; returns the HTTP status.
        ``secret_token=None`` sends no header; a string overrides the registered secret."""
        with self._lock:
            if update is None:
                if not self._pending:
                    raise LookupError("no pending update to deliver")
                update = self._pending.pop(0)
            elif "update_id" not in update:
                update = {**update, "update_id": self._next_update_id()}
            target = url or self.webhook["url"]
            secret = self.webhook["secret_token"] if secret_token is _DEFAULT else secret_token
        if not target:
            raise RuntimeError("no webhook registered (setWebhook was not called)")
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
        body = _json_bytes(update)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.post(target, data=body, headers=headers) as response:
                text = await response.text()
                status = response.status
        with self._lock:
            self.webhook_deliveries.append({"update": update, "url": target, "status": status,
                                            "body": text, "time": time.monotonic()})
            self._cond.notify_all()
        return status

    def deliver_webhook_sync(self, update: Optional[Json] = None, **kwargs: Any) -> int:
        """deliver_webhook for synchronous code (runs its own short event loop)."""
        return asyncio.run(self.deliver_webhook(update, **kwargs))

    # ---------------------------------------------------------------- queries
    @property
    def calls(self) -> List[Call]:
        with self._lock:
            return list(self._calls)

    def mark(self) -> int:
        """A position in the call log; pass as ``since=`` to only look at later calls."""
        with self._lock:
            return len(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def calls_to(self, *methods: str, since: int = 0, chat_id: Any = None) -> List[Call]:
        """Recorded calls to any of ``methods`` (case-insensitive; none given: all)."""
        wanted = {m.lower() for m in methods}
        chat_id = _norm_chat_id(chat_id)
        with self._lock:
            return [c for c in self._calls[since:]
                    if (not wanted or c.method.lower() in wanted)
                    and (chat_id is None or c.chat_id == chat_id)]

    def sent_messages(self, chat_id: Any = None, *, since: int = 0) -> List[Json]:
        """Params of successful sendMessage and editMessageText calls, oldest first."""
        return [dict(c.params) for c in self.calls_to("sendMessage", "editMessageText", since=since, chat_id=chat_id)
                if c.ok]

    def replies_for(self, chat_id: Any, *, since: int = 0) -> List[str]:
        """Texts the bot sent (sendMessage) or edited in (editMessageText) to chat_id."""
        return [str(p.get("text")) for p in self.sent_messages(chat_id, since=since)]

    def last_reply(self, chat_id: Any) -> Optional[str]:
        replies = self.replies_for(chat_id)
        return replies[-1] if replies else None

    def bot_messages(self, chat_id: Any) -> List[Json]:
        """Current state (after edits/deletes) of the bot's messages in a chat, oldest first."""
        chat_id = _norm_chat_id(chat_id)
        with self._lock:
            found = [(mid, m) for (cid, mid), m in self._messages.items()
                     if cid == chat_id and m.get("from", {}).get("id") == self.bot_id]
            return [copy.deepcopy(m) for _, m in sorted(found, key=lambda x: x[0])]

    def last_bot_message(self, chat_id: Any) -> Optional[Json]:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def file_requests(self) -> List[Call]:
        """getFile calls and file downloads: empty when media was never fetched."""
        return self.calls_to("getFile", "downloadFile")

    def commands(self, scope: Optional[Json] = None, language_code: str = "") -> List[Json]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._scope_key({"scope": scope, "language_code": language_code}), []))

    # ---------------------------------------------------------------- waiting
    def _describe(self) -> str:
        calls = self._calls[-15:]
        lines = "\n  ".join(repr(c) for c in calls) or "(none)"
        return f"{len(self._calls)} call(s) recorded; last ones:\n  {lines}"

    def _in_server_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop and self._thread is None
        except RuntimeError:
            return False

    def _wait_sync(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        if self._in_server_loop():
            raise RuntimeError("the server runs on this event loop: use the async wait_* helpers")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for {what}; {self._describe()}")
                self._cond.wait(min(remaining, 0.05))

    async def _wait_async(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                result = check()
                if result is not None:
                    return result
                if time.monotonic() >= deadline:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for {what}; {self._describe()}")
            await asyncio.sleep(0.01)

    def _calls_check(self, predicate: Union[Predicate, str, None], method: Optional[str],
                     count: int, since: int) -> Tuple[Callable[[], Optional[List[Call]]], str]:
        if isinstance(predicate, str):
            method, predicate = predicate, None

        def check() -> Optional[List[Call]]:
            found = [c for c in self._calls[since:]
                     if (method is None or c.method.lower() == method.lower())
                     and (predicate is None or predicate(c))]
            return found if len(found) >= count else None

        what = f"{count} call(s)" + (f" to {method}" if method else "") + (" matching predicate" if predicate else "")
        return check, what

    async def wait_for(self, predicate: Union[Predicate, str, None] = None, timeout: float = 5.0, *,
                       method: Optional[str] = None, count: int = 1, since: int = 0) -> List[Call]:
        """Wait until ``count`` recorded calls (from ``since``) match; returns all matching.

        ``predicate`` takes a Call (or is a method name).  Raises WaitTimeout."""
        check, what = self._calls_check(predicate, method, count, since)
        return await self._wait_async(check, timeout, what)

    def wait_for_sync(self, predicate: Union[Predicate, str, None] = None, timeout: float = 5.0, *,
                      method: Optional[str] = None, count: int = 1, since: int = 0) -> List[Call]:
        """Thread-safe blocking variant of ``wait_for`` (for thread mode / subprocess bots)."""
        check, what = self._calls_check(predicate, method, count, since)
        return self._wait_sync(check, timeout, what)

    def _replies_check(self, chat_id: Any, count: int, since: int, contains: Optional[str],
                       texts: bool) -> Callable[[], Any]:
        def check() -> Any:
            params = self.sent_messages(chat_id, since=since)
            if contains is not None:
                params = [p for p in params if contains in str(p.get("text"))]
            if len(params) < count:
                return None
            return [str(p.get("text")) for p in params] if texts else params
        return check

    async def wait_for_replies(self, chat_id: Any, count: int = 1, timeout: float = 5.0, *,
                               since: int = 0, contains: Optional[str] = None) -> List[str]:
        """Wait for ``count`` texts sent/edited to chat_id (optionally containing ``contains``)."""
        return await self._wait_async(self._replies_check(chat_id, count, since, contains, True), timeout,
                                      f"{count} repl(ies) to chat {chat_id}")

    def wait_for_replies_sync(self, chat_id: Any, count: int = 1, timeout: float = 5.0, *,
                              since: int = 0, contains: Optional[str] = None) -> List[str]:
        return self._wait_sync(self._replies_check(chat_id, count, since, contains, True), timeout,
                               f"{count} repl(ies) to chat {chat_id}")

    async def wait_for_messages(self, chat_id: Any = None, count: int = 1, timeout: float = 5.0, *,
                                since: int = 0, contains: Optional[str] = None) -> List[Json]:
        """Like wait_for_replies but returns the params dicts (reply_markup etc.)."""
        return await self._wait_async(self._replies_check(chat_id, count, since, contains, False), timeout,
                                      f"{count} message(s) to chat {chat_id}")

    def wait_for_messages_sync(self, chat_id: Any = None, count: int = 1, timeout: float = 5.0, *,
                               since: int = 0, contains: Optional[str] = None) -> List[Json]:
        return self._wait_sync(self._replies_check(chat_id, count, since, contains, False), timeout,
                               f"{count} message(s) to chat {chat_id}")

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``condition()`` is truthy (evaluated under the lock); returns its value."""
        return await self._wait_async(lambda: condition() or None, timeout, "condition")

    def wait_until_sync(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        return self._wait_sync(lambda: condition() or None, timeout, "condition")


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


for _api_name in (
    "getMe", "logOut", "close", "setWebhook", "deleteWebhook", "getWebhookInfo", "sendMessage",
    "editMessageText", "editMessageCaption", "editMessageReplyMarkup", "deleteMessage",
    "sendChatAction", "answerCallbackQuery", "answerInlineQuery", "setMyCommands",
    "getMyCommands", "deleteMyCommands", "setChatMenuButton", "getChatMenuButton", "getFile",
    "getChat", "getChatMember", "copyMessage", "forwardMessage", "sendMediaGroup",
):
    FakeBotAPI._METHODS[_api_name.lower()] = getattr(FakeBotAPI, "_m_" + _camel_to_snake(_api_name))
del _api_name
