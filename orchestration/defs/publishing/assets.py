"""Publish what serving needs into the operational store, one version per run, atomically."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.defs.resources import OperationalStoreResource, WarehouseResource
from wayra.opstore.publication import publish_recommendations

BEST_PACKAGES_MART = "fct_best_current_packages"


@asset(
    deps=[AssetKey(BEST_PACKAGES_MART)],
    group_name="publishing",
    description="The best current flight + hotel package per watch, published as a new version.",
)
def published_recommendations(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    operational_store: OperationalStoreResource,
) -> MaterializeResult:
    store = warehouse.warehouse()
    schema = store.settings.warehouse_schema
    rows = store.query_arrow(
        f"SELECT * FROM {schema}.{BEST_PACKAGES_MART} ORDER BY watch_id"
    ).to_pylist()
    with operational_store.session() as session:
        version = publish_recommendations(session, rows, source_run_id=context.run_id)
        session.commit()
    return MaterializeResult(metadata={"version": version, "packages": len(rows)})
