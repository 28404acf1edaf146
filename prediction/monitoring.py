"""Drift: how far today's inputs have moved from the data a version was trained on."""

import pandas as pd
from django.db import transaction

from prediction.drift import drift_report
from prediction.models import DriftReport, ModelVersion, TrainingSample


@transaction.atomic
def drift_report_record(
    *, model_version: ModelVersion, current_inputs: pd.DataFrame
) -> DriftReport:
    sample = TrainingSample.objects.filter(model_version=model_version).first()
    training = pd.DataFrame(sample.columns if sample else {})
    specification = model_version.specification.specification
    features = drift_report(
        specification=specification, training_inputs=training, current_inputs=current_inputs
    )
    return DriftReport.objects.create(
        model_version=model_version,
        n_current=len(current_inputs),
        features=features,
        max_psi=max((entry["psi"] for entry in features.values()), default=0.0),
    )
