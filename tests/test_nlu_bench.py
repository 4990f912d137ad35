"""The NLU bench's DIET store: which training a file answers for, and what is read back."""
from __future__ import annotations

import pytest

from bench import nlu_bench
from bench.common import Example

TRAIN = [Example("hello", "greet", "en"), Example("ជួយផង", "emergency", "km")]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(nlu_bench, "DIET_CACHE", tmp_path)
    return tmp_path


def test_the_key_changes_with_what_diet_trains_on_and_predicts():
    key = nlu_bench.diet_key(TRAIN, ["hi"])

    assert nlu_bench.diet_key(list(TRAIN), ["hi"]) == key
    assert nlu_bench.diet_key([TRAIN[0], Example("ជួយផង", "get_help", "km")], ["hi"]) != key
    assert nlu_bench.diet_key(TRAIN[:1], ["hi"]) != key
    assert nlu_bench.diet_key(TRAIN, ["hi", "bye"]) != key


def test_a_stored_training_is_read_back_and_a_missing_one_is_not_trained_unless_allowed(store):
    assert nlu_bench.diet_predictions(TRAIN, ["hi"], "fold 1/5", refresh=False, allow_train=False) is None

    (store / f"diet-{nlu_bench.diet_key(TRAIN, ['hi'])}.json").write_text(
        '{"label": "fold 1/5", "when": "2026-11-30 08:00", "train_seconds": 2400, "pred": ["greet"]}\n',
        encoding="utf-8")

    pred, seconds, source = nlu_bench.diet_predictions(TRAIN, ["hi"], "fold 1/5", refresh=False, allow_train=False)
    assert (pred, seconds) == (["greet"], 2400)
    assert "2026-11-30 08:00" in source


def test_folds_alone_leave_the_held_out_model_out(store):
    split = [([1], [0]), ([0], [1])]
    for number, (tr, te) in enumerate(split):
        (store / f"diet-{nlu_bench.diet_key([TRAIN[i] for i in tr], [TRAIN[i].text for i in te])}.json").write_text(
            f'{{"label": "fold {number + 1}", "when": "now", "train_seconds": 1, "pred": ["{TRAIN[tr[0]].intent}"]}}',
            encoding="utf-8")

    folds_only = nlu_bench.run_diet(TRAIN, split, [Example("hi", "greet", "en")], [0, 1], refresh=False,
                                    allow_train=False, with_heldout=False)
    with_heldout = nlu_bench.run_diet(TRAIN, split, [Example("hi", "greet", "en")], [0, 1], refresh=False,
                                      allow_train=False)

    assert folds_only["cv_pred"] == {0: "emergency", 1: "greet"} and folds_only["folds"] == [0, 1]
    assert "held_pred" not in folds_only
    # The held-out model was never trained, and training was not allowed: the folds stand alone.
    assert with_heldout["folds"] == [0, 1] and "held_pred" not in with_heldout


def test_nothing_stored_and_no_training_is_no_diet(store):
    split = [([1], [0]), ([0], [1])]
    assert nlu_bench.run_diet(TRAIN, split, [Example("hi", "greet", "en")], [0, 1], refresh=False,
                              allow_train=False) is None
