"""On PostgreSQL re-scoring reads the open snapshots with COPY and writes the estimates
with COPY; elsewhere it goes through the ORM. The estimates must be the ones the
citizen page would compute for the same inputs, whichever path wrote them."""

import numpy as np
import pandas as pd

from casework.models import AssessmentSnapshot, Estimate, Objection
from casework.scoring import (
    _parts,
    _pending_frame,
    _pending_frame_by_copy,
    open_spells_rescore,
)
from prediction.explanations import Explanation, NotScorable, explain
from prediction.selectors import model_compiled
from tests.casework.test_scoring import activate, demo_generate


def test_copy_and_orm_read_the_same_pending_snapshots(postgresql):
    feature_spec = demo_generate(800)
    spec = feature_spec.specification
    pending = AssessmentSnapshot.objects.filter(
        specification=feature_spec, spell__end_date__isnull=True, corrections__isnull=True
    )
    ids_copy, spells_copy, frame_copy = _pending_frame_by_copy(pending, spec)
    ids_orm, spells_orm, frame_orm = _pending_frame(pending, spec)
    assert len(ids_copy) > 20
    order_copy, order_orm = np.argsort(ids_copy), np.argsort(ids_orm)
    assert list(np.asarray(ids_copy)[order_copy]) == list(np.asarray(ids_orm)[order_orm])
    assert [str(s) for s in np.asarray(spells_copy)[order_copy]] == [
        str(s) for s in np.asarray(spells_orm, dtype=object)[order_orm]
    ]
    pd.testing.assert_frame_equal(
        frame_copy.inputs.iloc[order_copy].reset_index(drop=True),
        frame_orm.inputs.iloc[order_orm].reset_index(drop=True),
    )


def test_bulk_rescoring_writes_what_explain_computes(
    postgresql, django_capture_on_commit_callbacks
):
    feature_spec = demo_generate(1500)
    spec = feature_spec.specification
    from casework.scoring import training_store_feed

    training_store_feed(specification_id=feature_spec.pk)
    version = activate(feature_spec, django_capture_on_commit_callbacks)
    # One open snapshot loses a required input; one citizen objects.
    open_snapshots = list(
        AssessmentSnapshot.objects.filter(spell__end_date__isnull=True).select_related("spell")
    )
    required = next(f.name for f in spec.inputs if f.required)
    broken, objecting = open_snapshots[0], open_snapshots[1]
    values = dict(broken.values)
    values.pop(required)
    AssessmentSnapshot.objects.filter(pk=broken.pk).update(values=values)
    from jobcenter.models import User

    Objection.objects.create(
        jobcenter_id=objecting.spell.jobcenter_id,
        citizen_id=objecting.spell.citizen_id,
        received_on=objecting.as_of,
        channel=Objection.Channel.LETTER,
        recorded_by=User.objects.get(username="caseworker"),
    )
    Estimate.objects.all().delete()

    written = open_spells_rescore(model_version_id=version.pk)
    assert written == len(open_snapshots) - 1  # not the objecting citizen
    assert not Estimate.objects.filter(snapshot=objecting).exists()
    unscorable = Estimate.objects.get(snapshot=broken)
    assert unscorable.probability is None and unscorable.band == ""
    assert unscorable.missing_inputs == [required]

    compiled = model_compiled(version=version)
    for snapshot in open_snapshots[2:40]:
        estimate = Estimate.objects.get(snapshot=snapshot, model_version=version)
        result = explain(
            compiled=compiled,
            inputs=_parts(spec, snapshot.values)[0],
            band_cutoffs=version.band_cutoffs,
            base_rate=version.base_rate,
        )
        if isinstance(result, NotScorable):
            assert estimate.probability is None
            continue
        assert isinstance(result, Explanation)
        assert estimate.probability == result.probability
        assert estimate.band == result.band
    assert open_spells_rescore(model_version_id=version.pk) == 0  # idempotent
