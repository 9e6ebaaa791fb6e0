"""The optimizer against brute force on generated instances small enough to enumerate."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ml.optimizer import SolveStatus, optimize, pareto_front
from tests.ml.optimizer.reference import Plan, evaluate, valid_plans, violations
from tests.ml.optimizer.strategies import instances

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shared_parts(a: Plan, b: Plan) -> int:
    return sum(x == y for x, y in zip(a.parts(), b.parts(), strict=True))


ANY = st.one_of(instances(), instances(loose=True))


@PROPERTY
@given(ANY, st.integers(1, 4), st.integers(1, 3))
def test_top_k_is_the_greedy_sequence_of_brute_force(instance, k, min_parts_differing):
    """Package j is valid, priced and scored as the reference says, and is the brute-force best
    among packages diverse from packages 1..j-1; fewer than k only when none is left."""
    request, offers = instance
    result = optimize(request, offers, k=k, min_parts_differing=min_parts_differing)
    everything = valid_plans(request, offers)
    event("feasible" if everything else "infeasible")
    event(
        f"{min(len(everything), 10)}+ packages"
        if len(everything) >= 10
        else f"{len(everything)} packages"
    )
    if any(len(p.stays) == 2 for p in result.packages):
        event("a split stay ranked")
    chosen: list[Plan] = []
    for package in result.packages:
        plan = Plan.of(package)
        assert violations(request, plan) == []
        reference = evaluate(request, plan)
        assert package.total_price_minor == reference.price
        assert package.objective == reference.objective
        assert package.criteria.price_minor == reference.price
        assert sum(package.contributions.values()) == package.objective
        assert package.proven_optimal
        allowed = [
            e.objective
            for p, e in everything
            if all(shared_parts(p, c) <= 3 - min_parts_differing for c in chosen)
        ]
        assert package.objective == min(allowed)
        chosen.append(plan)
    left = [
        p
        for p, _ in everything
        if all(shared_parts(p, c) <= 3 - min_parts_differing for c in chosen)
    ]
    if len(result.packages) < k:
        assert left == []
    keys = [p.key() for p in result.packages]
    assert len(set(keys)) == len(keys)
    objectives = [p.objective for p in result.packages]
    assert objectives == sorted(objectives)
    assert result.status is (SolveStatus.OPTIMAL if result.packages else SolveStatus.INFEASIBLE)


@PROPERTY
@given(
    st.one_of(instances(budget=False), instances(budget=False, loose=True)), st.integers(1, 50_000)
)
def test_budget_short_by_exactly_the_gap(instance, gap):
    request, offers = instance
    everything = valid_plans(request, offers)
    if not everything:
        return
    cheapest = min(e.price for _, e in everything)
    short = replace(request, budget_minor=cheapest - gap)
    result = optimize(short, offers, k=1)
    assert result.status is SolveStatus.INFEASIBLE and result.packages == ()
    budget = [b for b in result.binding if b.constraint == "budget"]
    assert len(budget) == 1
    assert (budget[0].by, budget[0].needed, budget[0].jointly) == (gap, cheapest, False)


RELAX = {
    "budget": lambda r, needed: replace(r, budget_minor=needed),
    "max_stops": lambda r, needed: replace(r, max_stops=needed),
    "min_hotel_stars": lambda r, needed: replace(r, min_hotel_stars=needed),
    "refundable_only": lambda r, needed: replace(r, refundable_only=needed),
}
TIGHTER = {"budget": -1, "max_stops": -1, "min_hotel_stars": 1}


@PROPERTY
@given(instances())
def test_infeasible_requests_say_what_binds_and_by_how_much(instance):
    """Each single relaxation reported makes the request feasible, and no smaller one does."""
    request, offers = instance
    if valid_plans(request, offers):
        return
    result = optimize(request, offers, k=1)
    assert result.status is SolveStatus.INFEASIBLE and result.binding
    alone = [b for b in result.binding if not b.jointly and b.constraint in RELAX]
    for binding in alone:
        assert valid_plans(RELAX[binding.constraint](request, binding.needed), offers)
        if binding.constraint in TIGHTER:
            tighter = binding.needed + TIGHTER[binding.constraint]
            assert not valid_plans(RELAX[binding.constraint](request, tighter), offers)
    for binding in result.binding:
        if binding.constraint == "excluded_airlines" and not binding.jointly:
            for airline in binding.needed:
                allowed = request.excluded_airlines - {airline}
                assert valid_plans(replace(request, excluded_airlines=allowed), offers)
        if binding.constraint == "dates":
            assert len(result.binding) == 1


@PROPERTY
@given(ANY)
def test_pareto_front_is_the_brute_force_front(instance):
    request, offers = instance
    front = pareto_front(request, offers, max_points=50)
    points = [(e.price, e.convenience) for _, e in valid_plans(request, offers)]
    expected = sorted(
        {
            (price, convenience)
            for price, convenience in points
            if not any(
                p <= price and c <= convenience and (p, c) != (price, convenience)
                for p, c in points
            )
        }
    )
    assert front.complete
    assert [(p.total_price_minor, p.convenience) for p in front.points] == expected
    for package in front.points:
        assert violations(request, Plan.of(package)) == []
