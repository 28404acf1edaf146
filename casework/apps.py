from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _rescore_on_activation(sender, *, model_version_id: int, **kwargs) -> None:
    """A version became active: score the open spells with it, in the background. The
    activation has committed; with the broker down the re-scoring is not sent (logged),
    and each citizen page still scores its citizen with the active version on lookup."""
    import logging

    from kombu.exceptions import OperationalError

    from casework.tasks import open_spells_rescore_task

    try:
        open_spells_rescore_task.apply_async(
            kwargs={"model_version_id": model_version_id}, ignore_result=True
        )
    except (OperationalError, OSError):  # the broker, not the work: that runs elsewhere
        logging.getLogger(__name__).exception(
            "re-scoring for version %s not sent: the broker did not answer", model_version_id
        )


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Sagsbehandling")

    def ready(self) -> None:
        from prediction.signals import model_version_activated

        model_version_activated.connect(_rescore_on_activation, dispatch_uid="casework-rescore")
