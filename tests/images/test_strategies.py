"""Hypothesis strategies give decodable bodies with the drawn or chosen properties."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from PIL import Image

from conformance.images import TOLERANCE, read_properties, signature_mismatch
from conformance.images.signature import BLANKS, BUILD_TOLERANCE, as_rgb, within
from conformance.images.strategies import (
    ImageBody,
    encode,
    image_bodies,
    image_body,
    jpeg_bodies,
    png_bodies,
)

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


class TestSignatures:
    @FEW
    @given(image_bodies())
    def test_drawn_bodies_show_their_signature_unless_cmyk_or_odd_1_bit(self, body):
        if body.mode == "CMYK" or (body.mode == "1" and (body.width % 2 or body.height % 2)):
            assert body.signature is None
            return
        assert body.signature is not None
        means = read_properties(body.data).means
        assert means is not None and within(means[0], body.signature, BUILD_TOLERANCE)
        assert not any(within(blank, body.signature, TOLERANCE) for blank in BLANKS)

    @FEW
    @given(image_bodies(mode=st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]),
                        width=st.integers(8, 32).map(lambda side: side * 2),
                        height=st.integers(8, 32).map(lambda side: side * 2)))
    def test_a_thumbnail_of_a_drawn_body_keeps_its_signature(self, body):
        """Halved, cropped to a centre square, and re-encoded as a JPEG of quality 50."""
        image = as_rgb(opened(body))
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        small = image.crop((left, top, left + side, top + side)).resize((side // 2, side // 2))
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=50)
        assert signature_mismatch(Image.open(io.BytesIO(buffer.getvalue())),
                                  body.signature) is None

    @FEW
    @given(image_bodies(target_size=40_000, mode=st.sampled_from(["L", "P", "RGB", "RGBA"])))
    def test_a_padded_body_shows_its_signature(self, body):
        assert len(body.data) == 40_000
        means = read_properties(body.data).means
        assert means is not None and within(means[0], body.signature, BUILD_TOLERANCE)

    def test_image_body_matches_encode(self):
        body = image_body("PNG", "RGB", 12, 8, seed=3)
        assert body.data == encode("PNG", "RGB", 12, 8, seed=3)
        assert (body.width, body.height, body.format, body.mode, body.content_type) == (
            12, 8, "PNG", "RGB", "image/png")
        assert body.signature is not None

    def test_the_seed_chooses_the_colour(self):
        colours = {image_body("PNG", "RGB", 4, 4, seed=seed).signature for seed in range(20)}
        assert len(colours) == 20
