"""The small price-trend image embedded in alert emails."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from wayra.money import to_model_float

WIDTH_PX = 480
HEIGHT_PX = 200
_DPI = 100


def price_chart_png(points: Sequence[tuple[datetime, int]], currency: str) -> bytes:
    """A 480×200 PNG line chart of ``(observed_at, price_minor)`` points.

    Built on a bare ``Figure`` with the Agg canvas rather than ``pyplot``: pyplot keeps a global
    registry of open figures and a current-figure state, which leaks memory and races when
    alerts are rendered from worker threads.
    """
    if not points:
        raise ValueError("a price chart needs at least one point")
    # Imported here: matplotlib takes a noticeable fraction of a second to import, and only
    # the email channel draws charts.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    ordered = sorted(points, key=lambda point: point[0])
    times = [observed_at for observed_at, _ in ordered]
    # Display only: a float in major units is plenty for pixels.
    prices = [to_model_float(price_minor, currency) for _, price_minor in ordered]

    figure = Figure(figsize=(WIDTH_PX / _DPI, HEIGHT_PX / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(times, prices, color="#1f6feb", linewidth=1.8, marker="o" if len(prices) == 1 else "")
    axes.scatter([times[-1]], [prices[-1]], color="#1f6feb", s=18, zorder=3)
    axes.annotate(
        f"{prices[-1]:,.0f}",
        (times[-1], prices[-1]),
        textcoords="offset points",
        xytext=(-4, 6),
        ha="right",
        fontsize=8,
    )
    locator = AutoDateLocator(maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_ylabel(currency, fontsize=8)
    axes.tick_params(labelsize=7)
    axes.xaxis.get_offset_text().set_fontsize(7)
    axes.grid(alpha=0.25)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout(pad=0.4)

    buffer = io.BytesIO()
    # No "Software" metadata: it would announce our matplotlib version in every email.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
