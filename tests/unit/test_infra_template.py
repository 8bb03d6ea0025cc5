import json
from pathlib import Path

from chalicelib.store.tables import table_definition
from infra.template import template

ROOT = Path(__file__).resolve().parents[2]


def test_committed_merge_template_is_generated_from_the_table_definition() -> None:
    committed = json.loads((ROOT / "infra" / "resources.json").read_text())
    assert committed == template(), "run: python -m infra.template > infra/resources.json"


def test_template_table_has_the_same_keys_and_indexes_as_the_models() -> None:
    props = template()["Resources"]["PennyTable"]["Properties"]
    definition = table_definition()
    assert props["KeySchema"] == definition["KeySchema"]
    assert props["GlobalSecondaryIndexes"] == definition["GlobalSecondaryIndexes"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
