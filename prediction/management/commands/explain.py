"""``manage.py explain VERSION --input FILE.json [--json]``: one explanation, for the
data team to check a model by hand. The input file holds one object of feature values
(as a data file would spell them); they are checked against the specification."""

import json
import pathlib

from django.core.management.base import BaseCommand, CommandError

from prediction.artifacts import ArtifactRefused
from prediction.explanations import NotScorable, explain
from prediction.selectors import model_compiled, model_version_by_id


class Command(BaseCommand):
    help = "Explains one estimate of a model version for inputs given as JSON."

    def add_arguments(self, parser):
        parser.add_argument("version", type=int, help="the model version's id")
        parser.add_argument("--input", required=True, help="a JSON file: {feature: value}")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--language", default="da", choices=["da", "en"])

    def handle(self, *args, version, input, json: bool, language, **options):
        model_version = model_version_by_id(version_id=version)
        if model_version is None:
            raise CommandError(f"No model version with id {version}.")
        raw = _read(pathlib.Path(input))
        specification = model_version.specification.specification
        inputs, errors = {}, []
        for feature in specification.inputs:
            try:
                inputs[feature.name] = feature.parse_value(raw.get(feature.name))
            except ValueError as exc:
                errors.append(f"{feature.name}: {exc}")
        if errors:
            raise CommandError("Invalid input:\n  " + "\n  ".join(errors))
        try:
            compiled = model_compiled(version=model_version)
        except ArtifactRefused as exc:
            raise CommandError(f"Model version {version} refused: {exc}") from exc
        result = explain(
            compiled=compiled,
            inputs=inputs,
            band_cutoffs=model_version.band_cutoffs,
            base_rate=model_version.base_rate,
        )
        if json:
            self.stdout.write(_dumps(result.to_dict()))
        elif isinstance(result, NotScorable):
            self.stdout.write(result.message_en if language == "en" else result.message_da)
        else:
            self._print(result, language)
        if isinstance(result, NotScorable):
            raise CommandError("not scored: a required input is missing")

    def _print(self, result, language: str) -> None:
        low, high = result.interval
        self.stdout.write(
            f"{result.probability:.0%} ({result.band}); 95% interval {low:.0%}-{high:.0%} "
            f"from {result.leaf_n} past cases; base rate {result.base_rate:.0%}"
        )
        for rule in result.rules:
            text = rule.text_en if language == "en" else rule.text_da
            self.stdout.write(f"  {rule.contribution:+.0%}  {text}")
        self.stdout.write(result.meaning_en if language == "en" else result.meaning_da)


def _read(path: pathlib.Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected one JSON object of feature values")
    return data


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
