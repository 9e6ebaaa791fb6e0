"""Flight + hotel package optimizer (OR-Tools CP-SAT): top K diverse packages, the
price/convenience Pareto front, and why a request is infeasible.

A pure library: no Dagster, store or API code here. See ``docs/optimizer.md``.
"""

from ml.optimizer.criteria import CRITERIA, Criteria, ObjectiveScale
from ml.optimizer.diagnosis import BindingConstraint, binding_constraints
from ml.optimizer.group import (
    GroupMember,
    GroupOffers,
    GroupPackage,
    GroupResult,
    GroupTripRequest,
    optimize_group,
)
from ml.optimizer.model import SolveSettings, SolveStatus
from ml.optimizer.optimizer import OptimizationResult, optimize
from ml.optimizer.packages import HotelStay, Package
from ml.optimizer.pareto import ParetoFront, pareto_front
from ml.optimizer.solving import cheapest
from ml.optimizer.trip import (
    CriterionWeights,
    FlightOffer,
    GeoPoint,
    HotelRoomOffer,
    NightRate,
    Offers,
    TripRequest,
)

__all__ = [
    "CRITERIA",
    "BindingConstraint",
    "Criteria",
    "CriterionWeights",
    "FlightOffer",
    "GeoPoint",
    "GroupMember",
    "GroupOffers",
    "GroupPackage",
    "GroupResult",
    "GroupTripRequest",
    "HotelRoomOffer",
    "HotelStay",
    "NightRate",
    "ObjectiveScale",
    "Offers",
    "OptimizationResult",
    "Package",
    "ParetoFront",
    "SolveSettings",
    "SolveStatus",
    "TripRequest",
    "binding_constraints",
    "cheapest",
    "optimize",
    "optimize_group",
    "pareto_front",
]
