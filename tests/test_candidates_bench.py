"""The candidates bench's bookkeeping: which examples each variant adds, and what it scores."""
from __future__ import annotations

import pytest

from bench.candidates_bench import read_candidates, shared_scores, variants
from bench.common import Example


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_candidates_take_their_language_from_the_file_name(tmp_path):
    path = write(tmp_path / "km_breadth.tsv", ["grooming\tគេផ្ញើលុយឲ្យកូន", "", "out_of_scope\tថ្ងៃនេះភ្លៀងទេ"])

    assert read_candidates(path) == [Example("គេផ្ញើលុយឲ្យកូន", "grooming", "km"),
                                     Example("ថ្ងៃនេះភ្លៀងទេ", "out_of_scope", "km")]


@pytest.mark.parametrize("name, lines", [("fr_breadth.tsv", ["greet\tsalut"]), ("en_breadth.tsv", ["greet hello"])])
def test_a_bad_candidate_file_is_named_in_the_error(tmp_path, name, lines):
    with pytest.raises(ValueError, match=name):
        read_candidates(write(tmp_path / name, lines))


def test_each_kind_is_tried_alone_and_all_kinds_together(tmp_path):
    files = [write(tmp_path / "en_breadth.tsv", ["greet\thello there"]),
             write(tmp_path / "km_breadth.tsv", ["greet\tសួស្តីបង"]),
             write(tmp_path / "en_contrastive.tsv", ["goodbye\tleaving now bye"])]

    chosen = variants(files)

    assert {label: [e.text for e in added] for label, added in chosen.items()} == {
        "as is": [],
        "+ breadth": ["hello there", "សួស្តីបង"],
        "+ contrastive": ["leaving now bye"],
        "+ breadth + contrastive": ["hello there", "សួស្តីបង", "leaving now bye"],
    }


def test_scores_count_only_the_shared_examples():
    examples = [Example("a", "emergency", "en"), Example("b", "sextortion", "en"), Example("c", "nude_image_shared", "en"),
                Example("d", "greet", "en"), Example("e", "greet", "en"), Example("f", "goodbye", "en")]
    # The first five are shared; the sixth, a candidate read as emergency, must not count.
    pred = {0: "greet", 1: "emergency", 2: "nude_image_shared", 3: "emergency", 4: "greet", 5: "emergency"}

    got = shared_scores(examples, pred, shared=5, lang="en")

    assert (got["emergency"], got["sextortion"], got["nude_image_shared"]) == (0.0, 0.0, 1.0)
    assert got["urgent_lost"] == 1  # the emergency read as greet; sextortion -> emergency stays urgent
    assert got["false_emergency"] == 2  # the sextortion and one greet
