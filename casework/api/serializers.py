"""What the casework reads answer (output only; the writes have their own in
``casework.api.records``)."""

from rest_framework import serializers

from casework.models import Agreement, JudgementReason, NextStep, RiskBand
from casework.selectors import PanelState

PANEL_STATES = [
    PanelState.NO_SPELL,
    PanelState.NOT_YET,
    PanelState.NO_DATA,
    PanelState.PAUSED,
    PanelState.NO_MODEL,
    PanelState.REFUSED,
    PanelState.NOT_SCORABLE,
    PanelState.JUDGEMENT_FIRST,
    PanelState.AUDIT_FAILED,
    PanelState.SHOWN,
]


class IntervalSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()


class RuleSerializer(serializers.Serializer):
    feature = serializers.CharField()
    text_da = serializers.CharField()
    text_en = serializers.CharField()
    effect = serializers.FloatField(help_text="Estimated risk after the rule minus before.")
    effect_points = serializers.IntegerField(help_text="The same, in percentage points.")
    probability_before = serializers.FloatField()
    probability_after = serializers.FloatField()


class EstimateSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    probability = serializers.FloatField()
    band = serializers.ChoiceField(choices=RiskBand.choices)
    interval = IntervalSerializer(help_text="Wilson 95 % interval of the leaf's rate.")
    base_rate = serializers.FloatField()
    leaf_n = serializers.IntegerField()
    meaning_da = serializers.CharField()
    meaning_en = serializers.CharField()
    rules = RuleSerializer(many=True)


class ModelVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specification = serializers.CharField()
    number = serializers.IntegerField()


class JudgementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    risk_band = serializers.ChoiceField(choices=RiskBand.choices)
    agreement = serializers.ChoiceField(choices=Agreement.choices)
    reason_category = serializers.ChoiceField(
        choices=[("", ""), *JudgementReason.choices], allow_blank=True
    )
    reason_text = serializers.CharField(allow_blank=True)
    next_step = serializers.ChoiceField(choices=NextStep.choices)
    caseworker = serializers.CharField()
    created_at = serializers.DateTimeField()


class AssessmentSerializer(serializers.Serializer):
    citizen_id = serializers.UUIDField()
    spell_external_id = serializers.CharField(allow_null=True)
    snapshot_as_of = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(
        choices=PANEL_STATES,
        help_text="shown: the estimate is given; otherwise why not (as on the citizen page).",
    )
    estimate = EstimateSerializer(allow_null=True)
    model_version = ModelVersionRefSerializer(allow_null=True)
    judgement = JudgementSerializer(
        allow_null=True, help_text="The latest professional judgement of the current spell."
    )


class JournalNoteSerializer(serializers.Serializer):
    citizen_id = serializers.UUIDField()
    spell_external_id = serializers.CharField(allow_null=True)
    date = serializers.DateField()
    judgement = JudgementSerializer(allow_null=True)
    estimate = EstimateSerializer(allow_null=True)
    model_version = ModelVersionRefSerializer(allow_null=True)
    withheld = serializers.CharField(
        allow_blank=True, help_text="Why there is no estimate, in Danish (empty when shown)."
    )
    text = serializers.CharField(help_text="The note in Danish, for the citizen's journal.")
