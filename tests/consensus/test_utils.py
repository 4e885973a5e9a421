"""Module-level consensus utilities, presets and the ``Consensus`` namespace."""

from __future__ import annotations

import dataclasses

import pytest

import l0.consensus as lc
from l0.consensus import (
    Agreement,
    Consensus,
    ConsensusAnalysis,
    ConsensusOutput,
    ConsensusPreset,
    ConsensusResult,
    Disagreement,
    calculate_field_consensus,
    calculate_output_similarity,
    calculate_similarity_matrix,
    find_agreements,
    find_disagreements,
    get_consensus_value,
    meets_minimum_agreement,
    quick_consensus,
    resolve_best,
    resolve_majority,
    resolve_merge,
    validate_consensus,
)


def text_out(i: int, text: str, weight: float = 1.0) -> ConsensusOutput:
    return ConsensusOutput(index=i, text=text, value=text, success=True, weight=weight)


def data_out(i: int, data: dict) -> ConsensusOutput:
    return ConsensusOutput(index=i, text=repr(data), value=data, success=True, data=data)


TEXTS = [text_out(0, "The sky is blue. "), text_out(1, "The sky is blue."), text_out(2, "The sky is green"),
         text_out(3, "Completely different")]
DATA = [data_out(0, {"name": "x", "info": {"age": 1, "tags": [1, 2]}, "z": None}),
        data_out(1, {"name": "x", "info": {"age": 2, "tags": [1, 2]}}),
        data_out(2, {"name": "y", "info": {"age": 2, "tags": [1]}, "extra": 5})]


def test_text_agreements_and_disagreements() -> None:
    ags = find_agreements(TEXTS)
    assert [(a.content, a.count, a.ratio, a.indices, a.type) for a in ags] == \
        [("The sky is blue. ", 2, 0.5, [0, 1], "similar")]
    assert [a.type for a in find_agreements(TEXTS[:2])] == ["exact"]
    (d,) = find_disagreements(TEXTS)
    assert [(v.value, v.count, v.indices) for v in d.values] == \
        [("The sky is blue.", 2, [0, 1]), ("The sky is green", 1, [2]), ("Completely different", 1, [3])]
    assert d.severity == "major"
    assert find_disagreements(TEXTS[:2]) == []


def test_structured_agreements_and_disagreements_use_output_indices() -> None:
    ags = find_agreements(DATA, threshold=0.6)
    assert {(a.path, repr(a.content), a.count, tuple(a.indices), a.type) for a in ags} == {
        ("name", "'x'", 2, (0, 1), "structural"), ("info.age", "2", 2, (1, 2), "structural"),
        ("info.tags", "[1, 2]", 2, (0, 1), "structural")}
    ds = {d.path: d for d in find_disagreements(DATA)}
    assert set(ds) == {"info", "info.age", "info.tags", "name"}
    assert ds["info"].severity == "critical" and ds["name"].severity == "moderate"
    assert [(v.value, v.count, v.indices) for v in ds["name"].values] == [("x", 2, [0, 1]), ("y", 1, [2])]
    exact = find_agreements([data_out(0, {"a": 1}), data_out(5, {"a": 1})])
    assert [(a.path, a.type, a.indices) for a in exact] == [("a", "exact", [0, 5])]


def test_field_consensus_over_nested_paths() -> None:
    fc = calculate_field_consensus(DATA)
    assert list(fc.fields) == ["name", "info", "info.age", "info.tags", "extra"]
    assert fc.fields["name"].votes == {"'x'": 2, "'y'": 1}
    assert fc.fields["extra"].agreement == pytest.approx(1 / 3) and fc.fields["extra"].values == [5]
    assert fc.agreed_fields == [] and "z" not in fc.fields
    assert fc.overall_agreement == pytest.approx((2 / 3 + 1 / 3 + 2 / 3 + 2 / 3 + 1 / 3) / 5)
    fc = calculate_field_consensus([data_out(0, {"a": 1, "b": 1}), data_out(1, {"a": 1, "b": 2})])
    assert fc.agreed_fields == ["a"] and fc.disagreed_fields == ["b"] and fc.fields["a"].unanimous
    assert calculate_field_consensus([]) == lc.FieldConsensus()


def test_resolve_majority() -> None:
    assert resolve_majority(TEXTS).index == 1
    assert resolve_majority(TEXTS, weights=[1, 1, 1, 10]).index == 2
    out = resolve_majority(DATA)
    assert out.data == {"name": "x", "info": {"age": 2, "tags": [1, 2]}, "extra": 5}
    assert out.index == 0 and out.text == "{'extra': 5, 'info': {'age': 2, 'tags': [1, 2]}, 'name': 'x'}"
    # weights count in structured mode too
    three = [data_out(0, {"a": 1}), data_out(1, {"a": 2}), data_out(2, {"a": 2})]
    assert resolve_majority(three).data == {"a": 2}
    assert resolve_majority(three, weights=[5, 1, 1]).data == {"a": 1}


def test_resolve_best_and_merge() -> None:
    assert resolve_best(TEXTS, weights=[1, 5, 5, 1]).index == 1
    assert resolve_best([text_out(0, "a", 1), text_out(1, "b", 3)]).index == 1
    merged = resolve_merge(TEXTS)
    assert merged.text == "The sky is blue.\n\nThe sky is green\n\nCompletely different" and merged.value == merged.text
    assert resolve_merge([data_out(0, {"a": 1, "b": None}), data_out(1, {"a": 2, "b": 3}),
                          data_out(2, {"a": 2, "c": 4})]).data == {"a": 1, "b": 3, "c": 4}
    assert resolve_merge([data_out(0, {"a": {"x": 1}}), data_out(1, {"a": {"x": 2, "y": 1}})]).data == \
        {"a": {"x": 1, "y": 1}}
    single = data_out(0, {"a": 1})
    assert resolve_merge([single]) is single


@pytest.mark.parametrize("fn", [resolve_majority, resolve_best, resolve_merge])
def test_resolvers_reject_empty_lists(fn: object) -> None:
    with pytest.raises(ValueError, match="No outputs to resolve"):
        fn([])  # type: ignore[operator]


@pytest.mark.parametrize("fn", [resolve_majority, resolve_best])
def test_resolvers_reject_weights_of_the_wrong_length(fn: object) -> None:
    with pytest.raises(ValueError, match="weights must have one entry per output: got 1 for 4"):
        fn(TEXTS, weights=[1])  # type: ignore[operator]


def test_empty_inputs() -> None:
    assert find_agreements([]) == [] and find_disagreements([]) == []
    assert calculate_similarity_matrix([]) == []
    with pytest.raises(ValueError, match="threshold must be a number between 0 and 1"):
        find_agreements(TEXTS, threshold=2)


def test_similarities() -> None:
    m = calculate_similarity_matrix(TEXTS)
    assert m[0][1] == m[1][0] == pytest.approx(calculate_output_similarity(TEXTS[0], TEXTS[1]))
    assert calculate_output_similarity(DATA[0], DATA[1]) == pytest.approx(
        lc.calculate_structural_similarity(DATA[0].data, DATA[1].data))
    assert calculate_similarity_matrix(DATA)[0][0] == 1.0


def test_meets_minimum_agreement() -> None:
    ags = find_agreements(TEXTS)
    assert meets_minimum_agreement(ags, 4, 0.5) is True
    assert meets_minimum_agreement(ags, 4, 0.6) is False
    assert meets_minimum_agreement([], 4, 0.6) is False
    assert meets_minimum_agreement([], 1, 0.6) is True
    assert meets_minimum_agreement([], 4, 0) is True


def test_quick_get_value_validate() -> None:
    assert quick_consensus(["a", "a", "b"]) is False
    assert quick_consensus(["a", "a", "b"], 0.6) is True
    assert quick_consensus([]) is False
    assert quick_consensus([{"a": 1, "b": 2}, {"b": 2, "a": 1}]) is True
    assert get_consensus_value(["a", "b", "b", "a"]) == "a"
    assert get_consensus_value([]) is None
    assert get_consensus_value([[1], [1], [2]]) == [1]
    result = ConsensusResult(consensus="x", confidence=0.9, outputs=[], agreements=[Agreement("x")],
                             disagreements=[Disagreement(severity="major"), Disagreement(severity="minor")],
                             analysis=ConsensusAnalysis())
    assert validate_consensus(result) is False
    assert validate_consensus(result, max_disagreements=1) is True
    assert validate_consensus(result, min_confidence=0.95, max_disagreements=5) is False


def test_presets_match_the_reference() -> None:
    assert dataclasses.astuple(lc.strict_consensus) == ("unanimous", 1.0, "fail", 1.0)
    assert dataclasses.astuple(lc.standard_consensus) == ("majority", 0.8, "vote", 0.6)
    assert dataclasses.astuple(lc.lenient_consensus) == ("majority", 0.7, "merge", 0.5)
    assert dataclasses.astuple(lc.best_consensus) == ("best", 0.8, "best", 0.5)
    assert Consensus.STRICT is lc.strict_consensus and Consensus.BEST is lc.best_consensus
    with pytest.raises(TypeError):
        ConsensusPreset("majority", 0.8, "vote")  # type: ignore[call-arg]


def test_consensus_static_aliases() -> None:
    pairs = {"similarity_matrix": calculate_similarity_matrix, "output_similarity": calculate_output_similarity,
             "structural_similarity": lc.calculate_structural_similarity, "agreements": find_agreements,
             "disagreements": find_disagreements, "field_consensus": calculate_field_consensus,
             "majority": resolve_majority, "best_output": resolve_best, "merge": resolve_merge,
             "meets_agreement": meets_minimum_agreement, "quick": quick_consensus,
             "get_value": get_consensus_value, "validate": validate_consensus}
    for name, fn in pairs.items():
        assert getattr(Consensus, name) is fn, name
    assert lc.FieldConsensusInfo is lc.FieldAgreement


def test_dataclass_defaults() -> None:
    out = ConsensusOutput(index=0, text="", value=None, success=False)
    assert (out.data, out.l0_result, out.structured_result, out.error, out.duration_ms, out.weight,
            out.similarities) == (None, None, None, None, 0.0, 1.0, None)
    assert Agreement("c") == Agreement(content="c", path=None, count=0, ratio=0.0, indices=[], type="exact")
    d = Disagreement()
    assert (d.path, d.values, d.severity, d.resolution, d.resolution_confidence) == (None, [], "minor", None, None)
    a = ConsensusAnalysis()
    assert (a.total_outputs, a.similarity_matrix, a.strategy, a.duration_ms) == (0, [], "", 0.0)
