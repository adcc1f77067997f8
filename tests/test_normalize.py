"""The one name normalization and the inflection key, and their SQL twins, on hard cases."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kebiokg.normalize import (
    IRREGULAR_PLURALS,
    NOT_PLURALS,
    inflected_forms,
    inflection_key,
    normalize_name,
    word_key,
)
from kebiokg.sqlfiles import sql_text

CASES = {
    "Sjögren's Syndrome": "sjogrens syndrome",
    "Myocardial Infarction, NOS": "myocardial infarction nos",
    "  (131)I-MAA ": "131 i maa",
    "İstanbul": "istanbul",
    "CRÈME brûlée": "creme brulee",
    "α-synuclein": "synuclein",
    'Sodium "salt" \\ x': "sodium salt x",
    "Crohn’s disease": "crohns disease",
    "---": "",
    "type  2 , diabetes\t(mellitus) ": "type 2 diabetes mellitus",
    "a ,b,  c  ": "a b c",
}


@pytest.mark.parametrize(("text", "expected"), CASES.items())
def test_python_normalization(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


def test_sql_twin_agrees_on_hard_cases() -> None:
    con = duckdb.connect()
    con.execute(sql_text("normalize.sql"))
    texts = list(CASES)
    got = con.execute("SELECT kb_normalize(s) FROM unnest(?) AS t(s)", [texts]).fetchall()
    assert [row[0] for row in got] == [normalize_name(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(" ,-'’aAb1éα\t", max_size=12), min_size=1, max_size=50))
def test_sql_twin_agrees_on_any_run_of_spaces_and_punctuation(texts: list[str]) -> None:
    """kb_normalize's regex leaves single spaces alone and replaces every other run: the same result."""
    con = duckdb.connect()
    con.execute(sql_text("normalize.sql"))
    got = con.execute("SELECT kb_normalize(s) FROM unnest(?) WITH ORDINALITY AS t(s, i) ORDER BY i", [texts]).fetchall()
    assert [row[0] for row in got] == [normalize_name(t) for t in texts]


# (a written form, the key it shares with its singular or plural)
INFLECTIONS = {
    "disorders": "disorder", "disorder": "disorder", "therapies": "therapy", "viruses": "virus", "virus": "virus",
    "abscesses": "abscess", "rashes": "rash", "reflexes": "reflex", "approaches": "approach",
    "headaches": "headache", "causes": "cause", "metastases": "metastase", "metastasis": "metastase",
    "analyses": "analyse", "carcinomas": "carcinoma", "embryos": "embryo", "parkinsons": "parkinson",
    "bacteria": "bacterium", "nuclei": "nucleus", "testes": "testis", "womens": "woman",
    "aids": "aids", "rats": "rats", "basis": "basis", "genetics": "genetics", "5ht3s": "5ht3s", "": "",
}


def sql_keys(texts: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute(sql_text("normalize.sql"))
    return [row[0] for row in con.execute("SELECT kb_inflection_key(s) FROM unnest(?) WITH ORDINALITY AS t(s, i) "
                                          "ORDER BY i", [texts]).fetchall()]


@pytest.mark.parametrize(("word", "key"), INFLECTIONS.items())
def test_word_keys(word: str, key: str) -> None:
    assert word_key(word) == key and word in inflected_forms(key)


def test_inflected_forms() -> None:
    assert inflected_forms("disorder") == ["disorder", "disorders"]
    assert inflected_forms("analyse") == ["analyse", "analyses", "analysis"]
    assert inflected_forms("therapy") == ["therapy", "therapys", "therapies"]
    assert inflected_forms("woman") == ["woman", "womans", "women", "womens"]
    assert inflected_forms("aids") == ["aids"]


def test_a_name_and_its_plural_share_a_key() -> None:
    assert inflection_key("pancreatic disorders") == inflection_key("pancreatic disorder") == "pancreatic disorder"
    assert inflection_key("liver metastasis") == inflection_key("liver metastases")


def test_sql_twin_of_the_inflection_key_agrees_on_hard_cases_and_every_listed_word() -> None:
    texts = [*INFLECTIONS, *IRREGULAR_PLURALS, *(w + "s" for w in IRREGULAR_PLURALS.values()), *NOT_PLURALS,
             "pancreatic disorders", "a b  c"]
    assert sql_keys(texts) == [inflection_key(t) for t in texts]


ENDINGS = ["", "s", "es", "ies", "ses", "sis", "ches", "aches", "oaches", "eaches", "shes", "uses", "auses", "ss",
           "us", "is", "xes", "zzes", "sses", "i", "ae", "a", "2s"]
WORDS = st.builds(str.__add__, st.text("abcehiosuxyz", max_size=7), st.sampled_from(ENDINGS))


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=50))
def test_inflection_key_is_idempotent_and_its_sql_twin_agrees(words: list[str]) -> None:
    """Words ending as the rules look at; a key is its own key, so key words code themselves."""
    assert [word_key(word_key(w)) for w in words] == [word_key(w) for w in words]
    assert all(w in inflected_forms(word_key(w)) for w in words)  # the annotator's word codes miss none
    assert sql_keys(words) == [inflection_key(w) for w in words]
