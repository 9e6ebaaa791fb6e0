"""The price-trend PNG."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest

from wayra.notifications.chart import price_chart_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 5, 1, tzinfo=UTC)


def _png_size(png: bytes) -> tuple[int, int]:
    # The IHDR chunk follows the signature: length, b"IHDR", width, height (big-endian).
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_chart_is_a_small_png():
    points = [(START + timedelta(days=day), 45_000 - 150 * day) for day in range(30)]

    png = price_chart_png(points, "EUR")

    assert png.startswith(PNG_SIGNATURE)
    assert _png_size(png) == (480, 200)
    assert 2_000 < len(png) < 100_000


def test_single_point_and_unsorted_points_still_draw():
    assert price_chart_png([(START, 41_230)], "EUR").startswith(PNG_SIGNATURE)
    unsorted = [(START + timedelta(days=2), 300), (START, 100), (START + timedelta(days=1), 200)]
    assert price_chart_png(unsorted, "JPY").startswith(PNG_SIGNATURE)


def test_no_points_is_an_error_not_an_empty_image():
    with pytest.raises(ValueError):
        price_chart_png([], "EUR")


def test_drawing_leaves_no_pyplot_figures_behind():
    from matplotlib import pyplot

    before = pyplot.get_fignums()
    price_chart_png([(START, 100), (START + timedelta(days=1), 90)], "EUR")
    assert pyplot.get_fignums() == before
