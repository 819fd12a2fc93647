"""Concurrent uploads to one iTwin: whatever wins, small and large are one upload's."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.mock.mock_testkit import Api, decoded, png

pytest_plugins = ["tests.mock.mock_fixtures"]

UPLOADS = 20


def color_of(data: bytes) -> tuple[int, ...]:
    image = decoded(data).convert("RGB")
    return tuple(image.getpixel((image.width // 2, image.height // 2)))  # type: ignore[arg-type]


class TestConcurrentUploads:
    def test_twenty_uploads_leave_one_consistent_image(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        stored_before = api.mock.state.blobs.total_bytes
        bodies = [png(1000, 750, color=(i * 12, 255 - i * 12, 77)) for i in range(UPLOADS)]
        headers = api.auth() | {"Content-Type": "image/png"}
        done = threading.Event()
        mixed: list[str] = []

        def upload(body: bytes) -> int:
            with httpx.Client(timeout=60) as client:
                return client.put(api.url(itwin_id), content=body, headers=headers).status_code

        def read_pairs() -> int:
            seen = 0
            with httpx.Client(timeout=60) as client:
                while not done.is_set():
                    reply = client.get(api.url(itwin_id), headers=api.auth())
                    if reply.status_code != 200:
                        continue
                    image = reply.json()["image"]
                    small = client.get(image["smallImageUrl"])
                    large = client.get(image["largeImageUrl"])
                    if small.status_code == large.status_code == 200:
                        seen += 1
                        if color_of(small.content) != color_of(large.content):
                            mixed.append(image["id"])
            return seen

        with ThreadPoolExecutor(UPLOADS + 2) as pool:
            readers = [pool.submit(read_pairs) for _ in range(2)]
            statuses = list(pool.map(upload, bodies))
            done.set()
            pairs_read = sum(reader.result() for reader in readers)

        assert statuses == [201] * UPLOADS
        assert mixed == []
        assert pairs_read > 0
        final = api.get_image(itwin_id).json()["image"]
        large = api.http.get(final["largeImageUrl"]).content
        small = api.http.get(final["smallImageUrl"]).content
        assert large in bodies
        assert color_of(small) == color_of(large)
        itwin = api.get_itwin(itwin_id).json()["iTwin"]
        assert itwin["imageName"] == final["smallImageName"]
        stored = api.mock.state.blobs.total_bytes - stored_before
        assert stored == len(large) + len(small)  # replaced uploads left nothing behind
