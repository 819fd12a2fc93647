"""Hypothesis strategies give decodable bodies with the drawn or chosen properties."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from PIL import Image

from conformance.images.strategies import ImageBody, image_bodies, jpeg_bodies, png_bodies

# Few examples keep the run fast. pytest makes a new instance of the class for each call, which
# Hypothesis sees as a changing executor under pytest-repeat; these tests keep no state on self.
FEW = settings(max_examples=25, deadline=None,
               suppress_health_check=[HealthCheck.differing_executors])


def opened(body: ImageBody) -> Image.Image:
    image = Image.open(io.BytesIO(body.data))
    image.load()
    return image


class TestImageBodies:
    @FEW
    @given(image_bodies())
    def test_decode_to_what_they_claim(self, body):
        image = opened(body)
        assert (image.format, image.size, image.mode) == (body.format, (body.width, body.height),
                                                          body.mode)
        assert body.content_type == {"PNG": "image/png", "JPEG": "image/jpeg"}[body.format]
        assert max(body.width, body.height) <= 5 * min(body.width, body.height)

    @FEW
    @given(png_bodies(width=st.integers(1, 16), height=7, mode="LA"))
    def test_chosen_values_are_kept(self, body):
        assert (body.format, body.height, body.mode) == ("PNG", 7, "LA")
        assert 1 <= body.width <= 16
        assert opened(body).mode == "LA"

    @FEW
    @given(st.data())
    def test_target_size_is_exact(self, data):
        size = data.draw(st.integers(30_000, 40_000))
        body = data.draw(image_bodies(target_size=size))
        assert len(body.data) == size
        assert opened(body).size == (body.width, body.height)

    @FEW
    @given(jpeg_bodies(mode="CMYK", max_ratio=None, width=60, height=2))
    def test_ratio_limit_can_be_lifted(self, body):
        assert (body.format, body.mode, body.width, body.height) == ("JPEG", "CMYK", 60, 2)
        assert opened(body).mode == "CMYK"

    def test_an_impossible_mode_is_refused(self):
        @given(png_bodies(mode="CMYK"))
        def draw(body):
            pass

        with pytest.raises(InvalidArgument, match="CMYK"):
            draw()
