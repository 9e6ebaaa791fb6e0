import os

from wayra.warehouse.dbt_runner import manifest_is_stale


def test_manifest_is_stale_until_parsed_and_again_after_an_edit(tmp_path):
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "stg_a.sql"
    model.write_text("select 1")
    (tmp_path / "dbt_project.yml").write_text("name: x")
    assert manifest_is_stale(tmp_path)  # never parsed

    (tmp_path / "target").mkdir()
    manifest = tmp_path / "target" / "manifest.json"
    manifest.write_text("{}")
    os.utime(model, (1_000_000, 1_000_000))
    os.utime(tmp_path / "dbt_project.yml", (1_000_000, 1_000_000))
    os.utime(manifest, (2_000_000, 2_000_000))
    assert not manifest_is_stale(tmp_path)

    os.utime(model, (3_000_000, 3_000_000))  # a model edited after the parse
    assert manifest_is_stale(tmp_path)
