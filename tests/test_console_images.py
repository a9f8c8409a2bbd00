"""Image replies by upload (issue 21, item 4): a JPEG or PNG posted from a chat is checked by its bytes and size,
kept and served by the gateway at /media/{id}, and sent to the user as a Sangdam IMAGE."""

from __future__ import annotations

import struct
import zlib

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.service.media import MAX_IMAGE_BYTES

from .conftest import API_KEY
from .console_helpers import browser_client, sign_in
from .sangdam_helpers import setup_sender, user_writes


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (white pixels), built by hand: no image library needed for a test file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def test_an_uploaded_image_is_served_and_sent(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "사진 보내주세요")
    path = f"/console/inbox/{wrote['sessionId']}/image"
    image = png()
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        chat = (await c.get(f"/console/inbox/{wrote['sessionId']}")).text
        assert 'hx-encoding="multipart/form-data"' in chat and 'accept="image/jpeg,image/png"' in chat

        sent = await c.post(path, files={"image": ("사진.png", image, "image/png")}, headers=headers)
        assert sent.status_code == 200 and "PENDING_ACCEPTED" in sent.text, sent.text
        await gateway.engine.run_until_idle()
        logs = (await client.get("/kakao-sangdam/1/logs")).json()["results"]
        content = next(e["content"] for e in logs if e["content"].get("type") == "IMAGE")
        url = content["url"]
        assert url.startswith(f"{gateway.public_url}/media/")
        served = await c.get(url.removeprefix(gateway.public_url))
        assert served.status_code == 200 and served.content == image
        assert served.headers["content-type"] == "image/png" and "immutable" in served.headers["cache-control"]
        assert (await c.get("/media/no-such-medium")).status_code == 404
        transcript = (await c.get(f"/console/inbox/{wrote['sessionId']}")).text
        assert url in transcript, "the chat shows the image sent"

        jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
        assert (await c.post(path, files={"image": ("a.jpg", jpeg, "image/jpeg")}, headers=headers)).status_code == 200
        for name, data, kind in (
            ("fake.png", b"<svg onload=alert(1)>", "image/png"),  # the bytes decide, not the claimed type
            ("empty.png", b"", "image/png"),
        ):
            refused = await c.post(path, files={"image": (name, data, kind)}, headers=headers)
            assert refused.status_code == 400, name
        big = image + b"\x00" * MAX_IMAGE_BYTES
        assert (await c.post(path, files={"image": ("big.png", big, "image/png")}, headers=headers)).status_code in (
            400,
            413,
        )
        assert (await c.post(path, files={"image": ("a.png", image, "image/png")})).status_code == 403, "CSRF"
        assert (await c.post(path, data={"image": "x"}, headers=headers)).status_code == 415
        assert (await c.post(path, files={"other": ("a.png", image, "image/png")}, headers=headers)).status_code == 400

        await c.post(f"/console/inbox/{wrote['sessionId']}/terminate", headers=headers)
        await gateway.engine.run_until_idle()
        late = await c.post(path, files={"image": ("a.png", image, "image/png")}, headers=headers)
        assert late.status_code == 409

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        r = await c.post(path, files={"image": ("a.png", image, "image/png")}, headers={"X-CSRF-Token": token})
        assert r.status_code == 404, "another account's session"
