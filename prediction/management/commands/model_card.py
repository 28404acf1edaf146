"""``manage.py model_card VERSION [--json]``: a model version's card."""

import json

from django.core.management.base import BaseCommand, CommandError

from prediction.selectors import model_version_by_id


class Command(BaseCommand):
    help = "Prints a model version's model card."

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="the model version's id")
        parser.add_argument("--json", action="store_true", help="print the card as JSON")

    def handle(self, *args, version, json: bool, **options):
        model_version = model_version_by_id(version_id=version)
        if model_version is None:
            raise CommandError(f"No model version with id {version}.")
        card = model_version.model_card
        gate = model_version.quality_gate
        if json:
            # The gate is judged when asked (an old card has none stored, and the gap
            # threshold is configuration), so a data team can script it.
            self.stdout.write(_dumps(card | {"quality_gate": gate}))
            return
        metrics, data = card.get("metrics", {}), card.get("data", {})
        lines = [
            f"{model_version} ({model_version.get_status_display()})",
            f"  trained {card.get('trained_at', '')} on {data.get('n_train')} spells, "
            f"tested on {data.get('n_test')}; base rate {data.get('base_rate', 0):.1%}",
            f"  AUC {_number(metrics.get('auc'))} (reference "
            f"{_number(card.get('reference', {}).get('auc'))}); accuracy "
            f"{_number(metrics.get('accuracy'))} against "
            f"{_number(metrics.get('majority_accuracy'))} by always guessing the majority",
            f"  Brier {_number(metrics.get('brier'))}, calibration error "
            f"{_number(metrics.get('ece'))}; tree depth {card.get('tree', {}).get('depth')}, "
            f"{card.get('tree', {}).get('leaves')} rules",
        ]
        auc_interval = metrics.get("auc_interval")
        if auc_interval:
            lines.append(
                f"  AUC 95 % interval {auc_interval[0]:.3f}-{auc_interval[1]:.3f} "
                f"({metrics.get('interval_method')})"
            )
        else:
            lines.append("  intervals not computed (trained before they were)")
        if gate["passed"]:
            lines.append("  quality gate: passed")
        else:
            lines.append("  quality gate: NOT PASSED")
            lines.extend(f"    - {reason['text_en']}" for reason in gate["reasons"])
            lines.extend(f"    likely cause: {cause['text_en']}" for cause in gate["causes"])
        for line in lines:
            self.stdout.write(line)


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _dumps(card) -> str:
    return json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True)
