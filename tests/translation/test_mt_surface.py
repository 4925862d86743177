"""Emoji and shouted lines around the model (:mod:`zoo.translation.surface`)."""

from __future__ import annotations

import pytest

from zoo.translation.surface import prepare, prepare_all, restore_all


@pytest.mark.parametrize(
    ("line", "text", "restored"),
    [
        ("Good morning 😀", "Good morning", "x y z 😀"),
        ("I love it 😀!", "I love it!", "x y z 😀"),
        ("😀😀 Hello there", "Hello there", "😀😀 x y z"),
        ("Meet me at 5 p.m. 👍🏽", "Meet me at 5 p.m.", "x y z 👍🏽"),
        ("Hi 👨‍👩‍👧 there, see you", "Hi there, see you", "x 👨‍👩‍👧 y z"),
        ("Je t'aime 😀 !", "Je t'aime !", "x y z 😀"),
        ("Where is the station?", "Where is the station?", "x y z"),
    ],
)
def test_emoji_leave_the_model_input_and_come_back(line, text, restored):
    prepared = prepare(line)
    assert prepared.text == text
    assert prepared.restore("x y z") == restored


def test_inner_emoji_keep_their_order():
    prepared = prepare("I love 🍕 and ☕ in the morning.")
    assert prepared.text == "I love and in the morning."
    assert prepared.restore("a b c d e f") == "a b 🍕 c ☕ d e f"


def test_shouted_lines_are_translated_in_sentence_case_and_returned_in_capitals():
    prepared = prepare("WHERE IS THE TRAIN STATION? I AM LOST")
    assert prepared.text == "Where is the train station? I am lost"
    assert prepared.restore("Où est la gare ?") == "OÙ EST LA GARE ?"
    for line in ("USA", "I saw NASA and the FBI.", "OK"):  # acronyms stay as they are
        assert prepare(line).text == line and not prepare(line).shouted


def test_empty_lines_stay_empty_and_n_best_lists_are_restored():
    prepared, texts = prepare_all(["", "Yes 👍", "😀"])
    assert texts == ["", "Yes", ""]
    assert restore_all(prepared, ["", "Oui", ""]) == ["", "Oui 👍", "😀"]
    assert restore_all(prepared, [["", ""], ["Oui", "Si"], ["", ""]], n_best=2) == [
        ["", ""],
        ["Oui 👍", "Si 👍"],
        ["😀", "😀"],
    ]
