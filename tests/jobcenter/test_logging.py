import logging

from jobcenter.logging import MaskCprFilter, mask_cpr_in_text


def test_it_masks_cpr_numbers_in_any_shape():
    assert mask_cpr_in_text("cpr 170492-1234 and 1704921234") == (
        "cpr 170492-XXXX and 170492-XXXX"
    )
    assert mask_cpr_in_text("order 12345678901 stays") == "order 12345678901 stays"


def test_log_lines_never_carry_a_cpr_number(caplog):
    logger = logging.getLogger("tests.cpr")
    logger.addFilter(MaskCprFilter())
    try:
        with caplog.at_level(logging.INFO, logger="tests.cpr"):
            logger.info("looked up %s", "170492-1234")
            try:
                raise ValueError("bad 1704921234")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "1234" not in text.replace("XXXX", "")
    assert "170492-XXXX" in caplog.text


def test_an_error_page_does_not_echo_the_search(login, caseworker, citizen):
    # A failed CPR search re-renders the form without the number typed.
    page = login(caseworker).post("/citizens/search/", {"query": "010101-0001"}).content.decode()
    assert "010101-0001" not in page and "0101010001" not in page
