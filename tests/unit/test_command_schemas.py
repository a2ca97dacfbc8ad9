"""One schema per driver command: the page forms, the API and the sync replay all load through it."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from backend.api.dispatch import ReorderSchema
from backend.edge import command_schemas as shared
from backend.sync.commands import COMMAND_TYPES
from backend.web import driver


@pytest.mark.parametrize("command_type, schema_class", [
    ("delivery.confirm", shared.DeliveryConfirmV1), ("delivery.fail", shared.DeliveryFailV1),
    ("run.settle", shared.RunSettleV1), ("run.reorder", shared.RunReorderV1)])
def test_the_sync_replay_loads_each_command_through_the_shared_schema(command_type, schema_class):
    assert type(COMMAND_TYPES[(command_type, 1)][0]) is schema_class


def test_the_driver_forms_and_the_reorder_api_load_through_the_same_schemas():
    assert (type(driver.CONFIRM), type(driver.FAIL), type(driver.SETTLE)) == \
        (shared.DeliveryConfirmV1, shared.DeliveryFailV1, shared.RunSettleV1)
    assert issubclass(ReorderSchema, shared.RunReorderV1) and "run_id" not in ReorderSchema().fields


def test_a_pages_wording_stays_on_the_page():
    with pytest.raises(ValidationError) as form:
        driver.CONFIRM.load({"stop_id": 1}, partial=("blob_refs",))
    with pytest.raises(ValidationError) as replay:
        COMMAND_TYPES[("delivery.confirm", 1)][0].load({"stop_id": 1, "blob_refs": []})
    assert form.value.messages["recipient_name"] == ["Enter the name of the person who took the parcel."]
    assert replay.value.messages["recipient_name"] == ["Missing data for required field."]
    with pytest.raises(ValidationError) as fail:
        COMMAND_TYPES[("delivery.fail", 1)][0].load({"stop_id": 1, "reason": "lost"})
    assert fail.value.messages["reason"] != ["Choose a reason."]


def test_the_form_takes_amounts_as_typed_and_names_errors_by_its_own_fields():
    assert driver._load_form(driver.SETTLE, {"counted": "£12.50", "note": ""}, run_id=3) == \
        {"run_id": 3, "counted_minor": 1250, "note": ""}
    with pytest.raises(ValidationError) as bad:
        driver._load_form(driver.SETTLE, {"counted": "twelve", "note": "x" * 501}, run_id=3)
    assert set(bad.value.messages) == {"counted", "note"}
    assert bad.value.messages["counted"] == ["Enter an amount like 12.50."]
