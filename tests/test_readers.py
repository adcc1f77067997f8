"""The PubTator and JSONL readers on generated files: any field counts, bytes that are not UTF-8, LF,
CRLF and CR line ends, no final line break, empty fields, tabs in the text, gzip. Every document and
line is read exactly as written, or named by FILE:LINE (failing) or counted (skipping), and the
counts add up."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kebiokg.documents import AnnotatedDocument, Document, Entity, Mention, Problems, read_jsonl, read_pubtator
from kebiokg.errors import KebiokgError

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NOT_UTF8 = b"\xff\xfe\xc3(not UTF-8"
LINE_ENDS = st.sampled_from([b"\n", b"\r\n", b"\r"])
# one line of text: anything but line breaks (tabs, "|", accents, other scripts included)
LINE_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"), max_size=30)
FIELD = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n\r\t"), max_size=8)
ID = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:", min_size=1, max_size=8)
WORD = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)


class Lines:
    """The lines of a generated file, with the line numbers of those the reader must report."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.bad: list[int] = []

    def add(self, line: str | bytes, bad: bool = False) -> None:
        self.lines.append(line.encode("utf-8") if isinstance(line, str) else line)
        if bad:
            self.bad.append(len(self.lines))

    def write(self, path: Path, end: bytes, final_break: bool) -> Path:
        data = end.join(self.lines) + (end if final_break else b"")
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
        return path


def check(read, path: Path, lines: Lines, expected: list) -> None:
    """Skipping: exactly the expected documents, one count per bad line; failing: the first bad line named."""
    problems = Problems("skip")
    assert list(read(path, problems)) == expected
    assert problems.total == len(lines.bad)
    if lines.bad:
        with pytest.raises(KebiokgError) as error:
            list(read(path, Problems()))
        assert str(error.value).startswith(f"{path}:{lines.bad[0]}: ")
    else:
        assert list(read(path, Problems())) == expected


@st.composite
def pubtator_documents(draw) -> tuple[Lines, list[Document]]:
    lines, expected = Lines(), []
    pmids = draw(st.lists(st.integers(1, 10**8), min_size=1, max_size=4, unique=True))
    for number, pmid in enumerate(map(str, pmids)):
        if number:
            lines.add("")
        title, abstract = draw(LINE_TEXT), draw(LINE_TEXT)
        text = f"{title} {abstract}" if abstract else title
        doc = Document(pmid, text, title_length=len(title) if abstract else None)
        lines.add(f"{pmid}|t|{title}")
        lines.add(f"{pmid}|a|{abstract}")
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(st.sampled_from(["mention", "relation", "short", "elsewhere", "outside", "not_utf8",
                                         "other_digits"]))
            if kind == "mention" and text:
                start = draw(st.integers(0, len(text) - 1))
                end = draw(st.integers(start + 1, len(text)))
                if "\t" in text[start:end]:
                    continue
                ids = draw(st.lists(ID.filter(lambda i: i not in ("-", "-1")), max_size=2))
                written = "|".join(ids) or draw(st.sampled_from(["-1", "-", ""]))
                kind_field = draw(WORD)
                line = f"{pmid}\t{start}\t{end}\t{text[start:end]}\t{kind_field}"
                lines.add(line + (f"\t{written}" if ids or draw(st.booleans()) else ""))
                doc.mentions.append(Mention(start, end, text[start:end], kind_field, ids))
            elif kind == "relation":  # any number of fields after PMID, type, id1, id2
                relation = (draw(WORD), draw(FIELD), draw(FIELD))
                extra = draw(st.lists(FIELD, max_size=3))
                lines.add("\t".join([pmid, *relation, *extra]))
                doc.relations.append(relation)
            elif kind == "short":
                lines.add("\t".join([pmid, *draw(st.lists(FIELD, max_size=2))]), bad=True)
            elif kind == "elsewhere":
                lines.add(f"{pmid}0\tCID\tD1\tD2", bad=True)
            elif kind == "outside":
                lines.add(f"{pmid}\t{len(text)}\t{len(text) + 3}\tabc\tDisease\tD1", bad=True)
            elif kind == "other_digits":  # not offsets (no mention at 3, no crash): a relation line, as any
                start, end = draw(st.sampled_from(["²", "٣", "５"])), draw(st.sampled_from(["7", "٧"]))
                lines.add(f"{pmid}\t{start}\t{end}\tabc\tDisease\tD1")
                doc.relations.append((start, end, "abc"))
            elif kind == "not_utf8":
                lines.add(NOT_UTF8, bad=True)
        expected.append(doc)
    return lines, expected


@EXAMPLES
@given(pubtator_documents(), LINE_ENDS, st.booleans(), st.sampled_from(["c.PubTator", "c.pubtator.gz"]))
def test_pubtator_reader_reads_every_line_or_names_it(tmp_path: Path, generated, end: bytes, final_break: bool,
                                                       name: str) -> None:
    lines, expected = generated
    check(read_pubtator, lines.write(tmp_path / name, end, final_break), lines, expected)


ENTITY_FIELDS = st.fixed_dictionaries({}, optional={"cui": st.one_of(st.none(), ID),
                                                    "score": st.floats(0, 1, allow_nan=False),
                                                    "types": st.lists(WORD, max_size=2), "type": WORD})


@st.composite
def jsonl_documents(draw) -> tuple[Lines, list[AnnotatedDocument], str]:
    lines, expected = Lines(), []
    ascii_only = draw(st.booleans())
    name = draw(st.sampled_from(["c.jsonl", "c.jsonl.gz"]))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["document", "document", "blank", "not_json", "not_object", "no_text",
                                     "bad_entity", "entity_outside", "not_utf8"]))
        text = draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=30))  # line breaks, tabs, any
        doc_id = draw(st.one_of(st.none(), st.just(""), FIELD))
        record: dict = {"id": doc_id, "text": text, "entities": []}
        entities = []
        for _ in range(draw(st.integers(0, 3)) if text else 0):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            fields = draw(ENTITY_FIELDS)
            record["entities"].append({"start": start, "end": end, "text": text[start:end], **fields})
            entities.append(Entity(start, end, text[start:end], fields.get("cui"), fields.get("score", 1.0),
                                   fields.get("types", []), fields.get("type")))
        if kind == "blank":
            lines.add(draw(st.sampled_from(["", " ", "\t "])))
            continue
        if kind in ("not_json", "not_object", "no_text", "not_utf8"):
            lines.add({"not_json": '{"id": "1", "text": ', "not_object": "[1, 2]", "no_text": '{"id": "1"}',
                       "not_utf8": NOT_UTF8}[kind], bad=True)
            continue
        bad = kind in ("bad_entity", "entity_outside")
        if kind == "bad_entity":  # the document is left out (int() would read 2.9 as 2, "1" as 1, true as 1)
            record["entities"].append(draw(st.sampled_from([{"start": "one", "end": 2}, {"start": 0, "end": 2.9},
                                                            {"start": "0", "end": 1}, {"start": False, "end": True}])))
        elif kind == "entity_outside":  # the entity alone is left out
            record["entities"].append({"start": len(text), "end": len(text) + 1})
        lines.add(json.dumps(record, ensure_ascii=ascii_only), bad=bad)
        if kind != "bad_entity":
            line_no = len(lines.lines)  # a document without an id is called FILE:LINE
            expected.append(AnnotatedDocument(doc_id or f"{name}:{line_no}", text, entities))
    return lines, expected, name


@EXAMPLES
@given(jsonl_documents(), LINE_ENDS, st.booleans())
def test_jsonl_reader_reads_every_line_or_names_it(tmp_path: Path, generated, end: bytes, final_break: bool) -> None:
    lines, expected, name = generated
    check(read_jsonl, lines.write(tmp_path / name, end, final_break), lines, expected)
