"""The NLU bench: its DIET store (which training a file answers for, what is read back) and
its fallback threshold table."""
from __future__ import annotations

import numpy as np
import pytest

from bench import common, nlu_bench
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


NAMES = ["emergency", "greet", "out_of_scope"]


def test_a_vague_message_is_right_only_when_the_bot_asks_again():
    truth = ["vague", "vague", "greet", "out_of_scope"]
    p = np.array([[0.2, 0.1, 0.0], [0.9, 0.0, 0.0], [0.1, 0.8, 0.0], [0.1, 0.1, 0.25]])
    r = nlu_bench.fallback_table(truth, NAMES, p, 0.3, 0.0)
    # Asked again: the first vague message (1) and the out-of-scope one (0.5); the second vague
    # message is answered with a lesson nobody asked for (0); greet is right (1).
    assert r["vague_asked"] == 0.5 and r["score"] == (1 + 0 + 1 + 0.5) / 4
    # Coverage and accuracy count only the message with a topic.
    assert r["coverage"] == 1.0 and r["acc_answered"] == 1.0 and r["oos_ok"] == 1.0


def test_the_vague_messages_are_there_and_name_no_intent_of_the_bot():
    vague = common.all_vague()
    assert {e.lang for e in vague} == {"en", "km"} and all(e.intent == "vague" for e in vague)
    assert len(vague) >= 80 and len({e.text for e in vague}) == len(vague)
    # None of them is also a training example: they would be scored as seen.
    assert not any(common.seen_in_training(vague))


def test_vague_messages_count_as_one_more_intent_of_the_held_out_set():
    held = {"threshold": 0.3, "ambiguity": 0.0, "score": 0.96, "urgent_wrong": 1, "urgent_fallback": 2}
    r = nlu_bench.with_vague(held, 752, 0.5, 24.0)
    assert r["held_score"] == 0.96 and r["vague_asked"] == 0.5
    assert r["score"] == pytest.approx((0.96 * 752 + 0.5 * 24) / 776)
    # Asking more vague messages again can outweigh a few clear ones that fall back.
    assert nlu_bench.with_vague({**held, "score": 0.958}, 752, 0.7, 24.0)["score"] > r["score"]


def test_a_language_s_fallback_rows_count_only_its_own_messages():
    held = [Example("hi", "greet", "en"), Example("សួស្តី", "greet", "km"), Example("help now", "emergency", "en")]
    vague = [Example("a question", "vague", "en"), Example("សំណួរ", "vague", "km")]
    held_p = np.array([[0.1, 0.9, 0.0], [0.1, 0.2, 0.0], [0.8, 0.1, 0.0]])
    vague_p = np.array([[0.1, 0.2, 0.0], [0.9, 0.0, 0.0]])
    en, = nlu_bench.fallback_grid(held, NAMES, held_p, vague, vague_p, "en", [0.3], [0.0])
    km, = nlu_bench.fallback_grid(held, NAMES, held_p, vague, vague_p, "km", [0.3], [0.0])
    both, = nlu_bench.fallback_grid(held, NAMES, held_p, vague, vague_p, None, [0.3], [0.0])
    # English: both clear messages right, its vague one asked again; Khmer: its greeting falls
    # back (0.5) and its vague one gets a lesson (0).
    assert (en["held_score"], en["vague_asked"]) == (1.0, 1.0) and (km["held_score"], km["vague_asked"]) == (0.5, 0.0)
    assert both["held_score"] == pytest.approx(2.5 / 3) and both["vague_asked"] == 0.5
    # The vague messages weigh as the median intent of the messages scored.
    assert en["vague_weight"] == 1.0 and km["vague_weight"] == 1.0 and both["vague_weight"] == 1.5
