"""Publish explained recommendations into the operational store, one version per run.

For every active watch the package optimizer ranks its current flight and hotel options
(weighted by the traveler's learned preferences), each package gets a risk score and a
plain-language explanation, the watch gets the champion's buy/wait advice, its Pareto front
and its price history; all of it becomes visible to the API at once, in one transaction.
"""

import time
from importlib.metadata import version as package_version

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ml.optimizer import CriterionWeights
from ml.recommendations.market import MarketContext
from ml.recommendations.recommend import WatchInputs, recommend
from orchestration.defs.publishing import reading
from orchestration.defs.resources import (
    MlflowResource,
    OperationalStoreResource,
    WarehouseResource,
)
from wayra.opstore.publication import publish_recommendations

PROGRESS_EVERY = 50  # watches between progress log lines


def _champion(mlflow: MlflowResource, context: AssetExecutionContext):
    from ml.registry import NoChampionError, load_champion

    try:
        return load_champion(mlflow.uri())
    except NoChampionError as exc:
        context.log.info(f"no buy/wait advice in this version: {exc}")
        return None


@asset(
    deps=[*(AssetKey(mart) for mart in reading.MARTS), AssetKey("traveler_preferences")],
    group_name="publishing",
    description=(
        "Per active watch: the top packages (OR-Tools), each with its risk score and why it "
        "ranks where it does, the buy/wait advice, the price/convenience Pareto front and the "
        "price history, published as one new version."
    ),
)
def published_recommendations(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    operational_store: OperationalStoreResource,
    mlflow: MlflowResource,
) -> MaterializeResult:
    started = time.perf_counter()
    store = warehouse.warehouse()
    flights = reading.rows_by_watch(store, reading.FLIGHT_OPTIONS)
    hotels = reading.rows_by_watch(store, reading.HOTEL_OPTIONS)
    histories = reading.price_histories(store)
    market = MarketContext.from_rows(*reading.market_rows(store))
    champion = _champion(mlflow, context)

    with operational_store.session() as session:
        watches = reading.active_watches(session)
        weights = reading.learned_weights(session)
        inputs = [
            WatchInputs(
                watch=reading.watch_spec(watch),
                weights=weights.get(watch.user_id, (CriterionWeights(), None))[0],
                flights=flights.get(watch.id, []),
                hotels=hotels.get(watch.id, []),
                history=histories.get(watch.id, []),
            )
            for watch in watches
        ]
        done = 0

        def progress(*_) -> None:
            nonlocal done
            done += 1
            if done % PROGRESS_EVERY == 0 or done == len(inputs):
                context.log.info(f"ranked {done}/{len(inputs)} watches")

        result = recommend(inputs, market, champion.model if champion else None, on_watch=progress)
        model_versions = {
            "optimizer": f"ortools {package_version('ortools')}",
            "wayra-buy-wait": champion.version if champion else None,
            "preferences": sorted({v for _, v in weights.values() if v is not None}) or None,
        }
        as_of = max((points[-1][0] for points in histories.values() if points), default=None)
        price_points = [
            {
                "watch_id": i.watch.watch_id,
                "observed_at": observed_at,
                "total_minor": total_minor,
                "currency": i.watch.currency,
            }
            for i in inputs
            for observed_at, total_minor in i.history
        ]
        version = publish_recommendations(
            session,
            result.packages,
            source_run_id=context.run_id,
            summaries=result.summaries,
            price_points=price_points,
            model_versions=model_versions,
            as_of=as_of,
        )
        session.commit()
    return MaterializeResult(
        metadata={
            "version": version,
            "watches": len(inputs),
            "packages": len(result.packages),
            "statuses": MetadataValue.json(result.statuses),
            "model_versions": MetadataValue.json(model_versions),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
