"""Why each ranked package ranks where it does, in plain words (templates, no language model).

A package's objective is the sum of its per-criterion ``contributions`` (weight x value), so the
gap between two packages splits exactly into per-criterion differences. Each package is compared
with the one ranked just above it (the best with the second): the headline names the criteria
whose differences explain most of the gap, in their own units, and the reasons list every
criterion that differs, biggest first. A criterion the traveler gave no weight, or on which both
packages are equal, contributes nothing to the gap and is never named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ml.optimizer.criteria import CRITERIA
from ml.optimizer.packages import Package
from ml.recommendations.risk import PackageRisk
from wayra.money import Money

# The headline names the differences, biggest first, until they account for this share of
# their side's total (advantages or disadvantages), at most HEADLINE_LIMIT per side.
HEADLINE_COVERAGE = Fraction(4, 5)
HEADLINE_LIMIT = 2
MAX_COMPARISONS = 4  # comparison sentences in the reasons; the rest weigh less


@dataclass(frozen=True, slots=True)
class Explanation:
    headline: str
    reasons: list[str]  # short sentences, the most telling first


@dataclass(frozen=True, slots=True)
class _Difference:
    criterion: str
    contribution: Fraction  # this package's contribution minus the other's: < 0 is better
    phrase: str  # a comparative in the criterion's own units: "35.00 EUR cheaper"


def explain_ranking(
    packages: Sequence[Package],
    currency: str,
    *,
    risks: Sequence[PackageRisk | None] | None = None,
    first_price_minor: int | None = None,
    typical_price_minor: int | None = None,
) -> list[Explanation]:
    """One explanation per package of ``packages`` (ranked, best first).

    ``first_price_minor`` and ``typical_price_minor`` are the watch's first observed and typical
    package prices for the same trip, in ``currency`` minor units (None: not mentioned).
    """
    if risks is not None and len(risks) != len(packages):
        raise ValueError("need one risk (or None) per package")
    for package in packages:
        if package.currency != currency:
            raise ValueError(f"a package is in {package.currency}, not {currency}")
    explanations = []
    for index, package in enumerate(packages):
        reference = index + 1 if index == 0 else index - 1  # list index of the compared one
        other = packages[reference] if reference < len(packages) else None
        diffs = _differences(package, other, currency) if other is not None else []
        headline = _headline(index, package, other, diffs, currency)
        reasons = _comparison_reasons(package, other, diffs, reference + 1)
        reasons += _price_reasons(package, currency, first_price_minor, typical_price_minor)
        risk = risks[index] if risks is not None else None
        if risk is not None:
            reasons.append(_risk_reason(risk))
        if index > 0:
            reasons.insert(0, f"{_money(package.total_price_minor, currency)} in total.")
        explanations.append(Explanation(headline, reasons))
    return explanations


def _headline(
    index: int, package: Package, other: Package | None, diffs: list[_Difference], currency: str
) -> str:
    better = [d for d in diffs if d.contribution < 0]
    worse = [d for d in diffs if d.contribution > 0]
    if index == 0:
        head = f"Best overall: {_money(package.total_price_minor, currency)} in total"
        if other is None:
            return f"{head}, the only package that fits"
        if better:
            return f"{head}, {_join(_named(better))} than #2"
        return f"{head}, as good as #2" if not worse else head
    rank = f"Ranks {_ordinal(index + 1)}"
    if not diffs:
        return f"{rank}: as good overall as #{index}"
    if not worse:
        return f"{rank}: {_join(_named(better))} than #{index}"
    if not better:
        return f"{rank}: {_join(_named(worse))} than #{index}"
    # The biggest advantage says what this option offers; the disadvantages why it is lower.
    return f"{rank}: {better[0].phrase} than #{index} but {_join(_named(worse))}"


def _named(diffs: list[_Difference]) -> list[str]:
    """The biggest differences until they cover most of their side's total."""
    total = sum(abs(d.contribution) for d in diffs)
    named, covered = [], Fraction(0)
    for diff in diffs[:HEADLINE_LIMIT]:
        named.append(diff.phrase)
        covered += abs(diff.contribution)
        if covered >= HEADLINE_COVERAGE * total:
            break
    return named


def _differences(package: Package, other: Package, currency: str) -> list[_Difference]:
    """Criteria whose contributions differ and show a difference in their own units, the
    biggest contribution difference first (ties in criterion order)."""
    diffs = []
    for criterion in CRITERIA:
        contribution = package.contributions[criterion] - other.contributions[criterion]
        if contribution == 0:
            continue
        phrase = _PHRASES[criterion](package, other, currency)
        if phrase is not None:
            diffs.append(_Difference(criterion, contribution, phrase))
    diffs.sort(key=lambda d: (-abs(d.contribution), CRITERIA.index(d.criterion)))
    return diffs


def _comparison_reasons(
    package: Package, other: Package | None, diffs: list[_Difference], rank: int
) -> list[str]:
    if other is None:
        return []
    reasons = [_sentence(f"{d.phrase} than #{rank}") for d in diffs[:MAX_COMPARISONS]]
    nights = package.nights - other.nights
    if nights:
        # Longer stays cost more and add rating and distance per night: say why.
        reasons.append(f"{_more_or_fewer(nights, 'night')} than #{rank}.")
    if package.objective == other.objective and diffs:
        reasons.append(f"As good overall as #{rank}: the differences cancel out.")
    return reasons


def _price_reasons(
    package: Package, currency: str, first_minor: int | None, typical_minor: int | None
) -> list[str]:
    reasons = []
    for reference, label in (
        (first_minor, "the first price we saw"),
        (typical_minor, "the typical price"),
    ):
        if reference is None:
            continue
        saving = reference - package.total_price_minor
        if saving == 0:
            reasons.append(f"The same as {label}.")
        else:
            side = "below" if saving > 0 else "above"
            reasons.append(f"{_money(abs(saving), currency)} {side} {label}.")
    return reasons


def _risk_reason(risk: PackageRisk) -> str:
    head = f"{risk.level.capitalize()} risk ({risk.score}/100)"
    return f"{head}: {'; '.join(risk.top_reasons)}." if risk.top_reasons else f"{head}."


# Comparative phrases, one per criterion: (this package, the other, currency) -> phrase, or
# None when the difference vanishes in the criterion's units (a per-night mean that only moved
# because the number of nights did).


def _price(package: Package, other: Package, currency: str) -> str:
    delta = package.criteria.price_minor - other.criteria.price_minor
    return f"{_money(abs(delta), currency)} {'cheaper' if delta < 0 else 'more expensive'}"


def _travel(package: Package, other: Package, _: str) -> str:
    delta = package.criteria.travel_minutes - other.criteria.travel_minutes
    return f"{_duration(abs(delta))} {'less' if delta < 0 else 'more'} travel time"


def _stops(package: Package, other: Package, _: str) -> str:
    return _more_or_fewer(package.criteria.stops - other.criteria.stops, "stop")


def _off_window(package: Package, other: Package, _: str) -> str:
    delta = package.criteria.off_window_minutes - other.criteria.off_window_minutes
    if delta < 0:
        return f"departing {_duration(-delta)} closer to your preferred times"
    return f"departing {_duration(delta)} further outside your preferred times"


def _rating(package: Package, other: Package, _: str) -> str | None:
    # Mean rating per night: the criterion is tenths below 10, summed over nights.
    def mean_tenths(p: Package) -> Fraction:
        return 100 - Fraction(p.criteria.rating_shortfall, p.nights)

    tenths = round(mean_tenths(package) - mean_tenths(other))
    if tenths == 0:
        return None
    hotels = "a hotel" if len(package.stays) == 1 else "hotels"
    points = f"{abs(tenths) // 10}.{abs(tenths) % 10}"
    return f"{hotels} rated {points} points {'higher' if tenths > 0 else 'lower'}"


def _poi_distance(package: Package, other: Package, _: str) -> str | None:
    metres = round(
        Fraction(package.criteria.poi_distance_m, package.nights)
        - Fraction(other.criteria.poi_distance_m, other.nights)
    )
    if abs(metres) < 10:
        return None
    hotels = "a hotel" if len(package.stays) == 1 else "hotels"
    where = "closer to" if metres < 0 else "further from"
    return f"{hotels} {_distance(abs(metres))} {where} your point of interest"


def _non_refundable(package: Package, other: Package, _: str) -> str:
    delta = package.criteria.non_refundable - other.criteria.non_refundable
    return _more_or_fewer(delta, "non-refundable booking")


def _risk(package: Package, other: Package, _: str) -> str:
    lower = package.criteria.risk_points < other.criteria.risk_points
    return f"a {'lower' if lower else 'higher'} risk score"


_PHRASES: dict[str, Callable[[Package, Package, str], str | None]] = {
    "price_minor": _price,
    "travel_minutes": _travel,
    "stops": _stops,
    "off_window_minutes": _off_window,
    "rating_shortfall": _rating,
    "poi_distance_m": _poi_distance,
    "non_refundable": _non_refundable,
    "risk_points": _risk,
}


def _money(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, currency))


def _duration(minutes: int) -> str:
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}"


def _distance(metres: int) -> str:
    tens = round(metres, -1)
    return f"{tens} m" if tens < 1000 else f"{metres / 1000:.1f} km"


def _more_or_fewer(delta: int, noun: str) -> str:
    """ "1 more stop", "2 fewer nights"."""
    n = abs(delta)
    return f"{n} {'fewer' if delta < 0 else 'more'} {noun}{'' if n == 1 else 's'}"


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}."
