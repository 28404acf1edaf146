"""Log filters: mask anything shaped like a CPR number, and stamp the request id."""

import logging
import re

from jobcenter.request_context import current_request_context

# Six digits (a date), an optional dash or space (also as an address writes them: %2D,
# %20, +), four digits; not part of a longer number.
CPR_PATTERN = re.compile(r"(?<!\d)(\d{6})(?:[- +]|%2[dD]|%20)?(\d{4})(?!\d)")


def mask_cpr_in_text(text: str) -> str:
    return CPR_PATTERN.sub(r"\1-XXXX", text)


class MaskCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpr_in_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_cpr_in_text(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request_context()
        record.request_id = str(context.request_id) if context else "-"
        return True
