"""The auto-promotion gates, on hand-made model cards."""

from prediction.policy import auto_promotion_verdict


def card(auc, ece, fpr_gap=0.02, fnr_gap=0.02):
    return {
        "metrics": {"auc": auc, "ece": ece},
        "group_differences": {"origin": {"fpr": fpr_gap, "fnr": fnr_gap}},
    }


def test_it_passes_a_candidate_as_good_as_the_active_one():
    verdict = auto_promotion_verdict(candidate=card(0.745, 0.03), active=card(0.75, 0.02))
    assert verdict.passed, verdict.reasons


def test_it_refuses_an_auc_more_than_0_01_below():
    verdict = auto_promotion_verdict(candidate=card(0.739, 0.03), active=card(0.75, 0.02))
    assert not verdict.passed
    assert "AUC" in verdict.reasons[0]


def test_it_refuses_poor_calibration():
    verdict = auto_promotion_verdict(candidate=card(0.8, 0.051), active=card(0.75, 0.02))
    assert not verdict.passed
    assert "calibration" in verdict.reasons[0]


def test_it_refuses_a_group_gap_more_than_0_05_worse():
    active = card(0.75, 0.02, fpr_gap=0.04)
    assert auto_promotion_verdict(candidate=card(0.75, 0.02, fpr_gap=0.09), active=active).passed
    verdict = auto_promotion_verdict(candidate=card(0.75, 0.02, fpr_gap=0.091), active=active)
    assert not verdict.passed
    assert "FPR gap for origin" in verdict.reasons[0]
    verdict = auto_promotion_verdict(candidate=card(0.75, 0.02, fnr_gap=0.2), active=active)
    assert "FNR gap" in verdict.reasons[0]


def test_without_an_active_version_calibration_and_chance_apply():
    assert auto_promotion_verdict(candidate=card(0.7, 0.04), active=None).passed
    assert not auto_promotion_verdict(candidate=card(0.5, 0.04), active=None).passed
    assert not auto_promotion_verdict(candidate=card(0.7, None), active=None).passed
