from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _rescore_on_activation(sender, *, model_version_id: int, **kwargs) -> None:
    """A version became active: score the open spells with it, in the background."""
    from casework.tasks import open_spells_rescore_task

    open_spells_rescore_task.delay(model_version_id=model_version_id)


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Sagsbehandling")

    def ready(self) -> None:
        from prediction.signals import model_version_activated

        model_version_activated.connect(_rescore_on_activation, dispatch_uid="casework-rescore")
