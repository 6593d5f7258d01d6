"""Confidence from signals, its calibration and the needs_review status: pure functions by property,
then real documents (a failed check needs review; a clean born-digital rent receipt is a success)."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from socratext_llm.extract.confidence import (CALIBRATION_FILE, CalibrationMap, fit_isotonic, load_calibration,
                                              raw_score, shipped_calibration)
from socratext_llm.evaluation.calibration import (bootstrap_interval, calibrate, dataset_weights, ece_by_chance,
                                                  wilson_interval)
from socratext_llm.metrics import expected_calibration_error, precision_above, reliability_bins

from .conftest import ROOT

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
signals = st.fixed_dictionaries({}, optional={
    "label_score": probabilities, "ocr_confidence": probabilities, "validator": st.booleans(),
    "grounding": st.sampled_from(["line", "exact", "fuzzy", "none"]), "engines_agree": st.booleans(),
    "authoritative": st.sampled_from(["mrz", "2ddoc"]), "completeness": probabilities,
    "source": st.sampled_from(["rules", "llm"])})
kinds = st.sets(st.sampled_from(["domain", "consistency", "grounding", "schema", "engine"]))


@given(signals, kinds)
def test_raw_score_is_a_probability_and_a_failed_check_never_raises_it(found, failed):
    score = raw_score(found, failed)
    assert 0.0 <= score <= 1.0
    assert raw_score(found, failed | {"domain"}) <= score


@given(signals, probabilities, probabilities)
def test_raw_score_grows_with_label_and_ocr_and_agreement(found, low, high):
    low, high = sorted((low, high))
    assert raw_score({**found, "label_score": low}) <= raw_score({**found, "label_score": high})
    assert raw_score({**found, "ocr_confidence": low}) <= raw_score({**found, "ocr_confidence": high})
    assert raw_score({**found, "engines_agree": False}) <= raw_score({**found, "engines_agree": True})
    assert raw_score({**found, "validator": False}) <= raw_score({**found, "validator": True})


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=200), probabilities, probabilities)
def test_isotonic_map_is_monotone_and_bounded(points, a, b):
    calibration = fit_isotonic([p for p, _ in points], [o for _, o in points])
    low, high = sorted((a, b))
    assert 0.0 <= calibration(low) <= calibration(high) <= 1.0
    assert list(calibration.ys) == sorted(calibration.ys) and list(calibration.xs) == sorted(calibration.xs)


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=200))
def test_isotonic_blocks_keep_the_share_right(points):
    """Pooled blocks keep their counts: the fitted points, weighted by their values, average to the share right."""
    scores, outcomes = [p for p, _ in points], [o for _, o in points]
    calibration = fit_isotonic(scores, outcomes)
    at_points = {x: y for x, y in zip(calibration.xs, calibration.ys)}
    assert min(at_points.values()) >= 0.0 and max(at_points.values()) <= 1.0
    if len(set(scores)) == 1:  # one score: the map is the share right
        assert calibration(scores[0]) == pytest.approx(sum(outcomes) / len(outcomes), abs=1e-5)


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=200))
def test_the_map_gives_each_fitted_value_its_blocks_share_right(points):
    """The map is the fit's own step function: on the values it was fitted on, the confidences add up to the
    values right (pool adjacent violators keeps every block's count; interpolating between block means did not).
    Scores carry 6 decimals, as ``raw_score`` gives them and the map stores its steps."""
    scores, outcomes = [round(p, 6) for p, _ in points], [o for _, o in points]
    calibration = fit_isotonic(scores, outcomes)
    assert sum(calibration(score) for score in scores) == pytest.approx(sum(outcomes), abs=1e-4)


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=100), st.floats(0.1, 10.0))
def test_isotonic_equal_weights_change_nothing(points, weight):
    scores, outcomes = [p for p, _ in points], [o for _, o in points]
    plain = fit_isotonic(scores, outcomes)
    weighted = fit_isotonic(scores, outcomes, weights=[weight] * len(points))
    assert weighted.xs == pytest.approx(plain.xs, abs=2e-6) and weighted.ys == pytest.approx(plain.ys, abs=2e-6)


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=60), st.integers(2, 5))
def test_a_weight_counts_as_that_many_copies(points, copies):
    """Weight k on the first value is the first value repeated k times (the weighted least squares fit)."""
    scores, outcomes = [p for p, _ in points], [o for _, o in points]
    weighted = fit_isotonic(scores, outcomes, weights=[float(copies)] + [1.0] * (len(points) - 1))
    repeated = fit_isotonic([scores[0]] * (copies - 1) + scores, [outcomes[0]] * (copies - 1) + outcomes)
    assert weighted.xs == pytest.approx(repeated.xs, abs=2e-6) and weighted.ys == pytest.approx(repeated.ys, abs=2e-6)


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(1, 2000), min_size=1, max_size=6))
def test_every_dataset_weighs_alike_and_weights_sum_to_the_values(sizes):
    weights = dataset_weights(sizes)
    shares = {name: weights[name] * size for name, size in sizes.items()}
    assert all(share == pytest.approx(next(iter(shares.values()))) for share in shares.values())
    assert sum(shares.values()) == pytest.approx(sum(sizes.values()))


@hypothesis_settings(max_examples=30)
@given(st.lists(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=6), min_size=1, max_size=12))
def test_bootstrap_interval_brackets_plausible_values(documents):
    """The interval is ordered and within the statistic's range; documents all alike give a point."""
    interval = bootstrap_interval(documents, expected_calibration_error, rounds=50)
    assert interval is not None and 0.0 <= interval[0] <= interval[1] <= 1.0
    same = bootstrap_interval([documents[0]] * 5, expected_calibration_error, rounds=20)
    assert same[0] == same[1] == pytest.approx(expected_calibration_error(*zip(*documents[0])), abs=1e-4)


@hypothesis_settings(max_examples=25)
@given(st.lists(probabilities, min_size=1, max_size=40))
def test_ece_by_chance_shrinks_with_more_values(confidences):
    """A perfectly calibrated map still shows some ECE on few values; on sixteen times as many, less."""
    few = ece_by_chance(confidences, rounds=200)
    many = ece_by_chance(confidences * 16, rounds=200)
    assert 0.0 <= few["mean"] <= 1.0 and 0.0 <= few["p95"] <= 1.0 and ece_by_chance(confidences, rounds=200) == few
    assert many["mean"] <= few["mean"] + 0.01


@given(st.integers(0, 500), st.integers(0, 500))
def test_wilson_interval_holds_the_share_and_narrows_with_more_values(right, wrong):
    count = right + wrong
    if count == 0:
        assert wilson_interval(0, 0) is None
        return
    low, high = wilson_interval(right, count)
    assert 0.0 <= low <= right / count <= high <= 1.0
    wider = wilson_interval(right, count)
    narrower = wilson_interval(right * 4, count * 4)
    assert narrower[1] - narrower[0] <= wider[1] - wider[0] + 1e-4
    assert wilson_interval(34, 34)[0] < 0.95  # all right of 34 cannot show 95 %


@hypothesis_settings(max_examples=40)
@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=9, unique=True),
       st.integers(min_value=1, max_value=5))
def test_ece_of_a_perfectly_calibrated_set_is_zero(tenths, repeat):
    """Each bin holds values of confidence k/10 of which exactly k in 10 are right."""
    confidences, outcomes = [], []
    for k in tenths:
        confidences += [k / 10 + 0.001] * 10 * repeat
        outcomes += ([True] * k + [False] * (10 - k)) * repeat
    assert expected_calibration_error(confidences, outcomes) == pytest.approx(0.0, abs=0.002)


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=100), probabilities)
def test_ece_bins_and_precision_above_are_consistent(points, threshold):
    confidences, outcomes = [p for p, _ in points], [o for _, o in points]
    assert 0.0 <= expected_calibration_error(confidences, outcomes) <= 1.0
    assert sum(b.count for b in reliability_bins(confidences, outcomes)) == len(points)
    above = precision_above(confidences, outcomes, threshold)
    assert above["values"] == sum(c >= threshold for c in confidences)
    assert above["precision"] is None or 0.0 <= above["precision"] <= 1.0


def test_a_map_refuses_non_monotone_points():
    with pytest.raises(ValueError):
        CalibrationMap.from_dict({"x": [0.2, 0.1], "y": [0.1, 0.2]})
    assert CalibrationMap()(0.37) == 0.37  # no points: the identity


def test_the_shipped_map_names_its_data_and_threshold():
    shipped = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert {run["dataset"].split()[0] for run in shipped["fitted_on"]} >= {"sroie", "synthetic_fr", "invoices_fr"}
    assert 0.5 <= shipped["review_threshold"] < 1.0
    assert shipped_calibration().review_threshold == shipped["review_threshold"]


@given(st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=60),
       st.lists(st.tuples(probabilities, st.booleans()), min_size=1, max_size=60), probabilities)
def test_a_document_type_map_round_trips_and_others_use_the_map_of_every_type(every, own, raw):
    base = fit_isotonic([p for p, _ in every], [o for _, o in every], 0.9)
    receipts = fit_isotonic([p for p, _ in own], [o for _, o in own], 0.9)
    calibration = CalibrationMap(base.xs, base.ys, 0.9, (), (("receipt", receipts),))
    again = CalibrationMap.from_dict(json.loads(json.dumps(calibration.as_dict())))
    assert again.for_type("receipt")(raw) == pytest.approx(receipts(raw))
    assert again.for_type("payslip")(raw) == again.for_type(None)(raw) == pytest.approx(base(raw))
    assert again.for_type("receipt").review_threshold == 0.9


def _write_run(folder, dataset, documents):
    """A run folder as `eval run` writes it: run.json and one predictions line per document."""
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"job": {"dataset": dataset, "engine": "rules", "ocr_engine": "rapidocr",
                                                         "schema": None}}), encoding="utf-8")
    lines = [json.dumps({"id": f"{index:03d}", "schema": kind, "fields": [
        {"field": "f", "exact": right, "raw_confidence": score} for score, right in points]})
        for index, (kind, points) in enumerate(documents)]
    (folder / "predictions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_calibrate_weighs_datasets_alike_and_fits_a_large_type_apart(tmp_path):
    """A large set always right at a score and a small one right half the time there weigh alike (the map
    says 0.75, not 0.98); a type with 300 values or more gets its own map and leaves the others' alone
    (forms always wrong at 0.8 do not pull invoices down); figures held out come with intervals."""
    _write_run(tmp_path / "big", "generated", [("invoice", [(0.8, True)] * 10) for _ in range(20)])
    _write_run(tmp_path / "small", "real", [("invoice", [(0.8, True), (0.8, False)]) for _ in range(6)])
    _write_run(tmp_path / "forms", "forms", [("form_kv", [(0.8, False)] * 10) for _ in range(40)])
    calibration, figures = calibrate([tmp_path / "big", tmp_path / "small", tmp_path / "forms"])
    assert figures["types_fitted_apart"] == ["form_kv"]
    assert calibration.for_type("invoice")(0.8) == pytest.approx(0.75)
    assert calibration.for_type("payslip")(0.8) == pytest.approx(0.75)  # a type absent from the runs
    assert calibration.for_type("form_kv")(0.8) == pytest.approx(0.0)
    assert set(figures["held_out"]) == set(figures["held_out_intervals"]) == {"generated", "real", "forms"}
    low, high = figures["held_out_intervals"]["real"]["ece_95"]
    assert 0.0 <= low <= high <= 1.0


def test_a_calibration_file_is_read_once_per_version(tmp_path):
    """SOCRATEXT_CALIBRATION_FILE's map applies to every document: parsed once, reread when the file changes."""
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"x": [0.2, 0.8], "y": [0.1, 0.9], "review_threshold": 0.8}), encoding="utf-8")
    first = load_calibration(path)
    assert load_calibration(path) is first and first(0.5) == pytest.approx(0.1) and first(0.8) == pytest.approx(0.9)
    path.write_text(json.dumps({"x": [0.2, 0.8], "y": [0.3, 0.95], "review_threshold": 0.85}), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    changed = load_calibration(path)
    assert changed.review_threshold == 0.85 and changed(0.2) == pytest.approx(0.3)


def test_clean_born_digital_rent_receipt_is_a_success(settings):
    from socratext_llm.extract.pipeline import extract

    result = extract(ROOT / "examples" / "quittance_loyer.pdf", "rent_receipt", engine="rules", settings=settings)
    assert result.status == "success" and result.review == []
    assert result.data["total"] == 845.0
    assert all(e.confidence >= result.review_threshold for e in result.evidence.values())
    assert result.evidence["/total"].signals["label_score"] == 1.0 and result.evidence["/total"].signals["source"] == "rules"


@pytest.mark.datasets
def test_specimen_with_a_failed_check_needs_review_and_its_value_is_not_confident(datasets, settings):
    """The payslip specimen prints a SIRET and a NIR that fail their keys: returned, flagged, not confident."""
    from socratext_llm.extract.pipeline import extract
    from socratext_llm.service.demo import field_rows

    path = datasets / "fr_specimens" / "payslip_fra" / "default_sample.jpg"
    result = extract(path, "payslip", engine="rules", settings=settings)
    failed = {c.field for c in result.failed_checks if c.kind == "domain"}
    assert "/employer_siret" in failed and result.status == "needs_review"
    assert any(line.startswith("/employer_siret") for line in result.review)
    assert result.evidence["/employer_siret"].confidence < result.review_threshold
    rows = {row[0]: row[4] for row in field_rows(result)}
    assert rows["employer_siret"].startswith("⚠ à vérifier") and "invalide" in rows["employer_siret"]
    # the employer is DEMO COMPANY: a line under 'AUTRES CONTRIBUTIONS DUES PAR L'EMPLOYEUR' is never shown valid
    assert result.data["employer_name"] == "DEMO COMPANY" or rows["employer_name"].startswith("⚠ à vérifier")


def test_an_engine_that_fell_short_is_said_and_never_a_success(settings):
    """hybrid without an LLM server: where rules settle every field the LLM is not needed (success); where
    it was needed, the rules' values stand and the result says the engine fell short, never success."""
    from socratext_llm.extract.pipeline import extract

    settled = extract(ROOT / "examples" / "quittance_loyer.pdf", "rent_receipt", engine="hybrid", settings=settings)
    assert settled.status == "success" and settled.data["total"] == 845.0 and not settled.llm_tokens
    short = extract(ROOT / "examples" / "quittance_loyer.pdf", "invoice", engine="hybrid", settings=settings)
    assert short.status in ("partial", "needs_review")
    assert "engine: LLM unavailable, rules only: no LLM server configured" in short.review
    assert short.data["invoice_number"] is None  # nothing invented in the LLM's place


@pytest.mark.parametrize("printed, value, grounded", [("Total 12,00 €", "EUR", True), ("USD 12.00", "USD", True),
                                                       ("Total $12.00", "EUR", False)])
def test_a_currency_printed_as_its_symbol_is_grounded(printed, value, grounded):
    from socratext_llm.extract.checks import GroundingIndex

    assert GroundingIndex(printed).contains(value, {"x-socratext": {"normalizer": "currency"}}) is grounded


def test_required_field_missing_needs_review_not_failure(settings):
    from socratext_llm.extract.pipeline import decide_status
    from socratext_llm.extract.schemas import SchemaRegistry

    doctype = SchemaRegistry(settings).inline({"type": "object", "required": ["total"],
                                               "properties": {"total": {"type": ["number", "null"]}}})
    status, review = decide_status({"total": None}, {}, [], doctype, 0.9)
    assert status == "needs_review" and review == ["/total: required field missing"]
