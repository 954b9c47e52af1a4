"""The webhook endpoint: Telegram POSTs each update, answered 200 only once it is in the inbox.

Telegram retries an update until it gets a 2xx, in order, so answering after the inbox commit
(and 500 when the commit fails) is what makes webhook intake at-least-once, and a body that can
never be recorded must be set aside and answered 200, or everything behind it waits forever.
Every request must carry the secret token given to setWebhook in X-Telegram-Bot-Api-Secret-Token;
anything else is refused before its body is read."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES: Final = 1 << 20  # an update is a few KB; Telegram's own limit is far below this

# the request's JSON object (None when the body is not one) and a digest of the body, which
# names an update that has no id of its own
Accept = Callable[[dict[str, Any] | None, str], Awaitable[None]]


class WebhookServer:
    def __init__(self, accept: Accept, *, secret: str, path: str, listen: str, port: int) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._accept = accept
        self._secret = secret.encode("utf-8")
        self._path = path
        self._listen = listen
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port (port 0 picks a free one)

    async def start(self) -> None:
        # imported here: aiohttp's server takes ~0.1 s to import, which long polling never uses
        from aiohttp import web

        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self._path, self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # access lines would carry ids only
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        from aiohttp import web  # imported by start() already

        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request without the right secret token refused")
            return web.Response(status=401)
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        digest = hashlib.sha256(raw).hexdigest()[:16]
        try:
            await self._accept(body if isinstance(body, dict) else None, digest)
        except Exception:
            # not recorded: Telegram will send it again
            log.exception("a webhook update could not be recorded")
            return web.Response(status=500)
        return web.Response(status=200)
