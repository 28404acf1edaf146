"""The prediction engine's own data. It never imports casework."""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from prediction.specification import Specification, specification_from_dict


class FeatureSpec(models.Model):
    """A registered feature specification: the TOML a data team wrote, exactly as written,
    and its parsed form. A changed file is a new version, never an edit in place."""

    name = models.CharField(_("navn"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    title_da = models.CharField(_("titel (dansk)"), max_length=300)
    title_en = models.CharField(_("titel (engelsk)"), max_length=300)
    source_toml = models.TextField(_("specifikation (TOML)"))
    sha256 = models.CharField(max_length=64)
    definition = models.JSONField(_("fortolket specifikation"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("featurespecifikation")
        verbose_name_plural = _("featurespecifikationer")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="featurespec_name_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @staticmethod
    def digest(source_toml: str) -> str:
        return hashlib.sha256(source_toml.encode("utf-8")).hexdigest()

    @property
    def specification(self) -> Specification:
        cached = getattr(self, "_specification", None)
        if cached is None:
            cached = self._specification = specification_from_dict(self.definition)
        return cached
