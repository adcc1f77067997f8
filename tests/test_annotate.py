"""Annotation: tokenization, dictionary matching, disambiguation, abbreviations, readers, the
sharded resumable runner, gold passthrough and linking evaluation."""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import TINY, write_release

from kebiokg import artefacts
from kebiokg.annotate import dictionary as dictionary_module
from kebiokg.annotate import run as run_module
from kebiokg.annotate.abbreviations import find_abbreviations
from kebiokg.annotate.corpus import corpus_identity, read_corpus
from kebiokg.annotate.dictionary import (
    ARRAYS,
    QUALIFIER_TTYS,
    Dictionary,
    DictionaryOptions,
    load_or_build,
    tokenize,
)
from kebiokg.annotate.gold import IdMapper
from kebiokg.annotate.linker import Linker, LinkOptions
from kebiokg.annotate.run import RunOptions, annotate_corpus
from kebiokg.cli.main import main
from kebiokg.documents import (
    AnnotatedDocument,
    Entity,
    Problems,
    detect_format,
    read_documents,
    read_pubmed_xml,
    read_pubtator,
    read_tagged,
    to_pubtator,
)
from kebiokg.errors import KebiokgError
from kebiokg.kb import KnowledgeBase
from kebiokg.normalize import normalize_name
from kebiokg.semantic_groups import GENERIC_TYPES, parse_semantic_types
from kebiokg.sqlfiles import named_statements, sql_text
from kebiokg.umls_loader.load import load_umls

# Concepts for matching: nested names, a name shared by two concepts, an acronym, stop words; a singular
# name, an inverted one, a compound and its class written in the singular and the plural; a generic
# concept; a MeSH qualifier sharing its word with a real concept; an OMIM disease and a species.
EXTRA_CONCEPTS = [
    "C0000010|ENG|P|L0000010|PF|S0000010|Y|A0000010||||NCI|PT|N010|Breast Cancer|0|N||",
    "C0000011|ENG|P|L0000011|PF|S0000011|Y|A0000011||||NCI|PT|N011|Cancer|0|N||",
    "C0000012|ENG|P|L0000012|PF|S0000012|Y|A0000012||||NCI|PT|N012|Common Cold|0|N||",
    "C0000012|ENG|S|L0000013|PF|S0000013|N|A0000013||||NCI|SY|N012|cold|0|N||",
    "C0000013|ENG|P|L0000014|PF|S0000014|Y|A0000014||||NCI|PT|N013|Cold Temperature|0|N||",
    "C0000013|ENG|S|L0000015|PF|S0000015|N|A0000015||||NCI|SY|N013|Cold|0|N||",
    "C0000014|ENG|P|L0000016|PF|S0000016|Y|A0000016||||NCI|PT|N014|CAT|0|N||",
    "C0000015|ENG|P|L0000017|PF|S0000017|Y|A0000017||||NCI|PT|N015|was|0|N||",
    "C0000016|ENG|P|L0000018|PF|S0000018|Y|A0000018||||NCI|PT|N016|In|0|N||",
    "C0000017|ENG|P|L0000019|PF|S0000019|Y|A0000019||||NCI|PT|N017|Cisplatin|0|N||",
    "C0000018|ENG|P|L0000020|PF|S0000020|Y|A0000020||||NCI|PT|N018|Pancreatic disorder|0|N||",
    "C0000019|ENG|P|L0000021|PF|S0000021|Y|A0000021||||MSH|MH|D000019|Carcinoma, Hepatocellular|0|N||",
    "C0000020|ENG|P|L0000022|PF|S0000022|Y|A0000022||||NCI|PT|N020|Dihydropyridine|0|N||",
    "C0000021|ENG|P|L0000023|PF|S0000023|Y|A0000023||||MSH|MH|D000021|Dihydropyridines|0|N||",
    "C0000022|ENG|P|L0000024|PF|S0000024|Y|A0000024||||NCI|PT|N022|Analysis|0|N||",
    "C0000023|ENG|P|L0000025|PF|S0000025|Y|A0000025||||MSH|TQ|Q000097|blood|0|N||",
    "C0000023|ENG|P|L0000030|PF|S0000030|N|A0000030||||MTH|PN|NOCODE|In Blood|0|N||",
    "C0000024|ENG|P|L0000026|PF|S0000026|Y|A0000026||||MSH|MH|D000024|Blood|0|N||",
    "C0000024|ENG|S|L0000029|PF|S0000029|N|A0000029||||MSH|XQ|Q000097|hemic|0|N||",
    "C0000025|ENG|P|L0000027|PF|S0000027|Y|A0000027||||OMIM|PT|100100|Prune belly syndrome|0|N||",
    "C0000026|ENG|P|L0000028|PF|S0000028|Y|A0000028||||NCBI|SCN|9606|Homo sapiens|0|N||",
]
EXTRA_TYPES = [
    "C0000010|T191|B2.2.1.2.1.2|Neoplastic Process|AT0000010||",
    "C0000011|T191|B2.2.1.2.1.2|Neoplastic Process|AT0000011||",
    "C0000012|T047|B2.2.1.2.1|Disease or Syndrome|AT0000012||",
    "C0000013|T070|B2.2|Natural Phenomenon or Process|AT0000013||",
    "C0000014|T060|B1.3.1.1|Diagnostic Procedure|AT0000014||",
    "C0000017|T121|A1.4.1.1.1|Pharmacologic Substance|AT0000017||",
    "C0000018|T047|B2.2.1.2.1|Disease or Syndrome|AT0000018||",
    "C0000019|T191|B2.2.1.2.1.2|Neoplastic Process|AT0000019||",
    "C0000020|T109|A1.4.1.2.1|Organic Chemical|AT0000020||",
    "C0000021|T109|A1.4.1.2.1|Organic Chemical|AT0000021||",
    "C0000022|T169|A2.1.4|Functional Concept|AT0000022||",
    "C0000023|T031|A1.4.2|Body Substance|AT0000023||",
    "C0000024|T031|A1.4.2|Body Substance|AT0000024||",
    "C0000025|T019|B2.3.1|Congenital Abnormality|AT0000025||",
    "C0000026|T016|A1.1.3.1.1.4.1.1.2|Human|AT0000026||",
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("annotate")
    release = write_release(root / "release", {"MRCONSO": TINY["MRCONSO"] + EXTRA_CONCEPTS,
                                               "MRSTY": TINY["MRSTY"] + EXTRA_TYPES})
    load_umls(release, root / "kb.duckdb")
    with KnowledgeBase(root / "kb.duckdb") as opened:
        yield opened


@pytest.fixture(scope="module")
def dictionary(kb: KnowledgeBase) -> Dictionary:
    return Dictionary.build(kb)


def test_the_dictionary_build_spills_outside_the_kb_folder(kb: KnowledgeBase, monkeypatch) -> None:
    """DuckDB spills past its memory limit to a folder of the system's, removed afterwards, not to its
    default beside the KB (a shared KB's folder may be read-only)."""
    seen = []
    pages = dictionary_module._pages

    def recording(raw, statements, count):
        seen.append(Path(raw.execute("SELECT current_setting('temp_directory')").fetchone()[0]))
        yield from pages(raw, statements, count)

    monkeypatch.setattr(dictionary_module, "_pages", recording)
    Dictionary.build(kb)
    kb_folder = Path(kb.url.removeprefix("duckdb:///")).parent
    assert seen and seen[0].is_absolute() and kb_folder not in seen[0].parents and seen[0] != kb_folder
    assert not seen[0].exists()


def linked(linker: Linker, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.cui) for e in linker.annotate("d", text).entities]


# -- tokenization and matching ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Sjögren's syndrome", "Crohn’s disease (CD)", "5-FU and IL-2/IL-4 ", "naïve ÅB ﬁ x",
                                  "Sjo\u0308gren syndrome", "the 'asthma' attack"])
def test_tokenize_agrees_with_normalize_name_and_keeps_offsets(text: str) -> None:
    words, starts, ends = tokenize(text)
    assert " ".join(words) == normalize_name(text)
    for word, start, end in zip(words, starts, ends, strict=True):
        assert normalize_name(text[start:end]) == word
        assert text[start] not in "'’" and text[end - 1] not in "'’"  # quotes around a word stay outside


def test_longest_match_wins_at_word_boundaries(kb: KnowledgeBase, dictionary: Dictionary) -> None:
    linker = Linker(dictionary)
    assert linked(linker, "Breast cancer and cancer.") == [("Breast cancer", "C0000010"), ("cancer", "C0000011")]
    assert linked(linker, "Precancerous cancers") == [("cancers", "C0000011")]  # not inside words; plurals
    assert linked(Linker(Dictionary.build(kb, DictionaryOptions(inflections=False))), "cancers") == []


def test_plurals_meet_singulars_and_inverted_names_their_usual_order(kb: KnowledgeBase,
                                                                     dictionary: Dictionary) -> None:
    linker = Linker(dictionary)
    text = "Pancreatic disorders and hepatocellular carcinomas"
    assert linked(linker, text) == [("Pancreatic disorders", "C0000018"), ("hepatocellular carcinomas", "C0000019")]
    assert linked(Linker(Dictionary.build(kb, DictionaryOptions(inflections=False))), text) == []


def test_a_name_written_as_in_the_kb_beats_its_inflection(dictionary: Dictionary) -> None:
    """"dihydropyridine" (a compound) and "dihydropyridines" (its class) share a key, not a concept."""
    linker = Linker(dictionary, LinkOptions(threshold=0.0))
    assert linked(linker, "dihydropyridines, then dihydropyridine") == [
        ("dihydropyridines", "C0000021"), ("dihydropyridine", "C0000020")]


def test_mesh_qualifier_names_are_left_out(kb: KnowledgeBase, dictionary: Dictionary) -> None:
    """"blood" names the qualifier /blood (MSH TQ, C0000023, whose UMLS name MTH/PN is "In Blood") and the
    substance (C0000024), which also has the qualifier's alternate name "hemic" (MSH XQ)."""
    [entity] = Linker(dictionary).annotate("d", "in blood, hemic").entities
    assert (entity.text, entity.cui, entity.score) == ("blood", "C0000024", 1.0)
    assert b"C0000023" not in dictionary.cuis[dictionary.entity]
    kept = Dictionary.build(kb, DictionaryOptions(left_out_ttys=()))
    in_blood, blood, hemic = Linker(kept, LinkOptions(threshold=0.0)).annotate("d", "in blood, blood, hemic").entities
    assert (in_blood.text, in_blood.cui) == ("in blood", "C0000023")
    assert blood.score < 1.0 and b"C0000023" in kept.cuis[kept.entity]  # the qualifier competes
    assert (hemic.text, hemic.cui) == ("hemic", "C0000024")


def test_stop_words_and_short_names_never_match(dictionary: Dictionary) -> None:
    linker = Linker(dictionary)
    assert linked(linker, "It was in the heart attack") == [("heart attack", "C0000001")]


def test_acronyms_match_only_in_capitals(dictionary: Dictionary) -> None:
    linker = Linker(dictionary)
    assert linked(linker, "A CAT scan of the cat") == [("CAT", "C0000014")]


def test_shared_name_prefers_preferred_name_and_context(dictionary: Dictionary) -> None:
    linker = Linker(dictionary, LinkOptions(threshold=0.0))
    entities = linker.annotate("d", "a cold").entities
    assert len(entities) == 1 and 0.3 < entities[0].score < 0.8  # two concepts compete
    # another mention of Common Cold in the document tips the balance
    assert linked(linker, "Common cold: the cold lasted") == [("Common cold", "C0000012"), ("cold", "C0000012")]
    assert linked(Linker(dictionary, LinkOptions(threshold=0.9)), "a cold") == []


def test_generic_words_are_not_annotated_by_default_and_the_profile_is_in_the_manifest(kb: KnowledgeBase,
                                                                                      tmp_path: Path) -> None:
    db = kb.url.removeprefix("duckdb:///")
    source = tmp_path / "in.txt"
    source.write_text("Analysis of breast cancer.\n")

    def annotate(out: str, *options: str) -> tuple[list[str], dict]:
        result = CliRunner().invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / out),
                                           "--quiet", *options])
        assert result.exit_code == 0, result.output
        manifest = json.loads((tmp_path / out / "manifest.json").read_text())["settings"]["linking"]
        return [e.text for d in read_corpus(tmp_path / out) for e in d.entities], manifest

    found, linking = annotate("default")
    assert found == ["breast cancer"]  # Analysis is a Functional Concept (T169)
    assert corpus_identity(tmp_path / "default")["linking"] == linking  # what pretraining records
    assert linking["type_profile"] == "default" and linking["left_out_types"] == sorted(GENERIC_TYPES)
    assert "T169" not in linking["semantic_types"] and {"T047", "T191"} <= set(linking["semantic_types"])
    assert linking["dictionary"]["inflections"] and linking["dictionary"]["left_out_ttys"] == list(QUALIFIER_TTYS)
    found, linking = annotate("all", "--semantic-types", "all")
    assert found == ["Analysis", "breast cancer"]
    assert (linking["type_profile"], linking["left_out_types"], linking["semantic_types"]) == ("all", None, None)
    found, linking = annotate("custom", "--semantic-types", "T169", "--no-inflections", "--qualifier-names")
    assert found == ["Analysis"] and (linking["type_profile"], linking["semantic_types"]) == ("custom", ["T169"])
    assert not linking["dictionary"]["inflections"] and linking["dictionary"]["left_out_ttys"] == []


def test_semantic_type_filter(dictionary: Dictionary) -> None:
    linker = Linker(dictionary, LinkOptions(semantic_types=parse_semantic_types(["CHEM"])))
    assert linked(linker, "Aspirin for breast cancer") == [("Aspirin", "C0000002")]
    with pytest.raises(KebiokgError, match="semantic group"):
        parse_semantic_types(["DISEASES"])


def test_abbreviations_link_to_the_long_form(dictionary: Dictionary) -> None:
    text = "Patients with myocardial infarction (MI) got aspirin. MI recurred; mi is not MI-like."
    entities = Linker(dictionary).annotate("d", text).entities
    got = [(e.text, e.cui, e.start) for e in entities]
    assert ("myocardial infarction", "C0000001", 14) in got
    assert [g for g in got if g[0] == "MI"] == [("MI", "C0000001", 37), ("MI", "C0000001", 54), ("MI", "C0000001", 77)]
    # a short form defined with a long form outside the KB unlinks its dictionary matches
    assert linked(Linker(dictionary), "computed axial tomography (CAT) and CAT") == []


def test_find_abbreviations_spans() -> None:
    text = "levels of tumor necrosis factor (TNF) and of heart rate (HR)"
    found = {(a.short, text[a.long_start:a.long_end]) for a in find_abbreviations(text)}
    assert found == {("TNF", "tumor necrosis factor"), ("HR", "heart rate")}


def test_dictionary_save_load_and_cache(kb: KnowledgeBase, dictionary: Dictionary, tmp_path: Path) -> None:
    dictionary.save(tmp_path / "d")
    loaded = Dictionary.load(tmp_path / "d", kb)
    text = "Breast cancer, cisplatin (CDDP) and heart attack."
    assert Linker(loaded).annotate("x", text) == Linker(dictionary).annotate("x", text)
    assert load_or_build(kb, DictionaryOptions(), tmp_path / "d").meta == loaded.meta
    meta = json.loads((tmp_path / "d" / "dictionary.json").read_text())
    meta["kb_fingerprint"] = "0" * 32
    (tmp_path / "d" / "dictionary.json").write_text(json.dumps(meta))
    with pytest.raises(KebiokgError, match="another KB"):
        Dictionary.load(tmp_path / "d", kb)


def test_a_damaged_dictionary_is_one_line_naming_the_file(kb: KnowledgeBase, dictionary: Dictionary, tmp_path: Path,
                                                           monkeypatch) -> None:
    """A truncated array file is one line naming it; an altered one is found by `annotate --verify`."""
    folder, db = tmp_path / "d", kb.url.removeprefix("duckdb:///")
    dictionary.save(folder)
    source = write_text_corpus(tmp_path / "in.txt", 3)
    arrays = (folder / "entity.npy").read_bytes()

    def annotate(*extra: str) -> list[str]:
        result = CliRunner().invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "o.jsonl"),
                                           "--dictionary", str(folder), "--force", "--quiet", *extra])
        assert result.exit_code == 1, result.output
        return result.output.strip().splitlines()

    (folder / "entity.npy").write_bytes(arrays[:len(arrays) // 2])
    [line] = annotate()
    assert "entity.npy has" in line and f"rebuild it with `kebiokg annotate --dictionary {folder}`" in line
    altered = bytearray(arrays)
    altered[len(arrays) // 2] ^= 0xFF
    (folder / "entity.npy").write_bytes(bytes(altered))
    monkeypatch.setattr(artefacts, "CHEAP_BYTES", 0)  # a large dictionary: sizes only, unless asked
    [line] = annotate("--verify")
    assert "entity.npy differs from the file written" in line


def test_a_loaded_dictionary_maps_its_arrays_from_disk(dictionary: Dictionary, tmp_path: Path) -> None:
    """Loading reads the word ids only: forked workers share the arrays' pages instead of copying them."""
    dictionary.save(tmp_path / "d")
    loaded = Dictionary.load(tmp_path / "d")
    assert all(isinstance(getattr(loaded, name), np.memmap) for name in ARRAYS)
    assert all(np.array_equal(getattr(loaded, name), getattr(dictionary, name)) for name in ARRAYS)


def test_a_dictionary_of_an_older_format_is_refused_by_load_and_rebuilt_by_annotate(kb: KnowledgeBase,
                                                                                      tmp_path: Path) -> None:
    """Format 2 (a pickled Aho-Corasick automaton, before the arrays were memory-mapped): `Dictionary.load`
    refuses it, `annotate --dictionary` says it rebuilds it, and the old files go."""
    folder, db = tmp_path / "d", kb.url.removeprefix("duckdb:///")
    folder.mkdir()
    meta = {"format": 2, "kb_fingerprint": kb.fingerprint, "options": {}, "type_lists": [],
            "files": {"automaton.bin": {"bytes": 3}, "words.pkl": {"bytes": 3}, "arrays.npz": {"bytes": 3}}}
    (folder / "dictionary.json").write_text(json.dumps(meta))
    for name in ("automaton.bin", "words.pkl", "arrays.npz"):
        (folder / name).write_bytes(b"old")
    with pytest.raises(KebiokgError, match=r"dictionary format 2 \(an older kebiokg's\), expected 3: rebuild it"):
        Dictionary.load(folder, kb)
    source = write_text_corpus(tmp_path / "in.txt", 3)
    result = CliRunner().invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "o.jsonl"),
                                       "--dictionary", str(folder), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (f"kebiokg: warning: {folder}: a dictionary of format 2 (an older kebiokg's); rebuilding it as format 3"
            in result.output)
    assert not (folder / "automaton.bin").exists() and not (folder / "arrays.npz").exists()
    assert Dictionary.load(folder, kb).meta["format"] == Dictionary.FORMAT


def test_names_out_of_word_order_are_refused_not_made_into_a_wrong_trie() -> None:
    """The trie is built from names sorted so that a prefix is never met again once left."""
    trie = dictionary_module._Trie()
    for row, key in enumerate(["heart attack", "stroke", "heart attack risk"]):
        trie.add(key, row)
    with pytest.raises(KebiokgError, match="not in word order"):
        trie.arrays()


# -- readers --------------------------------------------------------------------------------------------------


def test_formats_are_detected(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("1|t|Title\n1|a|Abstract\n\n")
    (tmp_path / "b.txt").write_text('{"id": "1", "text": "x"}\n')
    (tmp_path / "c.txt").write_text("just text\n")
    (tmp_path / "d").write_text("<?xml version='1.0'?><PubmedArticleSet/>")
    assert [detect_format(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt", "d")] == [
        "pubtator", "jsonl", "text", "pubmed"]


def test_pubmed_xml_streams_titles_abstracts_and_skips_deletions(tmp_path: Path) -> None:
    xml = """<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>Aspirin <i>works</i>.</ArticleTitle>
<Abstract><AbstractText Label="A">First part.</AbstractText><AbstractText Label="B">Second.</AbstractText></Abstract>
</Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Only a title.</ArticleTitle></Article>
</MedlineCitation></PubmedArticle>
<DeleteCitation><PMID>3</PMID></DeleteCitation>
</PubmedArticleSet>"""
    path = tmp_path / "pubmed24n0001.xml.gz"
    path.write_bytes(gzip.compress(xml.encode()))
    docs = list(read_pubmed_xml(path, Problems()))
    assert [(d.id, d.text, d.title_length) for d in docs] == [
        ("1", "Aspirin works. First part. Second.", 14), ("2", "Only a title.", None)]


def test_bad_xml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text("<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>\n</Oops>\n")
    with pytest.raises(KebiokgError, match=r"bad.xml:3: bad XML"):
        list(read_pubmed_xml(path, Problems()))
    problems = Problems("skip")
    assert list(read_pubmed_xml(path, problems)) == [] and problems.counts == {"bad_xml": 1}


def test_pubtator_mentions_are_checked_against_the_text(tmp_path: Path) -> None:
    path = tmp_path / "c.PubTator"
    path.write_text("7|t|Aspirin\n7|a|helps.\n7\t0\t7\tAspirin\tChemical\tD001241\n"
                    "7\t8\t13\thelpz\tChemical\t-1\n7\t8\t99\thelps.\tChemical\t-1\n\n")
    with pytest.raises(KebiokgError, match=r"c.PubTator:4: mention 'helpz' does not match"):
        list(read_documents([path], None, Problems()))
    problems = Problems("skip")
    docs = list(read_documents([path], None, problems))
    assert [len(d.mentions) for d in docs] == [1] and problems.counts == {"bad_mention": 2}


def test_real_pubmed_files(real_data: Path) -> None:
    problems = Problems()
    docs = list(read_documents([real_data / "pubmed"], None, problems))
    assert len(docs) == 604 + 1 + 4
    with_abstract = [d for d in docs if d.title_length is not None]
    assert 526 <= len(with_abstract) <= 530
    assert all(d.text[d.title_length] == " " for d in with_abstract)


# -- the runner -----------------------------------------------------------------------------------------------


def write_text_corpus(path: Path, count: int) -> Path:
    lines = [f"Doc {i}: breast cancer treated with cisplatin; heart attack ruled out." for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sharded_output_with_manifest_and_workers(kb: KnowledgeBase, dictionary: Dictionary, tmp_path: Path) -> None:
    source = write_text_corpus(tmp_path / "in.txt", 50)
    linker = Linker(dictionary)
    one = annotate_corpus([source], tmp_path / "one", linker, RunOptions(shard_size=20), kb.fingerprint)
    two = annotate_corpus([source], tmp_path / "two", linker, RunOptions(shard_size=20, workers=2), kb.fingerprint)
    assert one.documents == two.documents == 50 and one.shards == 3 and one.entities == 150
    for name in ("part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "two" / name).read_text()
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["complete"] and [s["documents"] for s in manifest["shards"]] == [20, 20, 10]
    docs = list(read_corpus(tmp_path / "one"))
    assert [d.id for d in docs] == [f"in.txt:{i}" for i in range(1, 51)]
    assert [(e.text, e.cui) for e in docs[0].entities] == [
        ("breast cancer", "C0000010"), ("cisplatin", "C0000017"), ("heart attack", "C0000001")]
    with pytest.raises(KebiokgError, match="already holds a finished annotation"):
        annotate_corpus([source], tmp_path / "one", linker, RunOptions(), kb.fingerprint)


def interrupt(inputs: list[Path], out: Path, linker: Linker, fingerprint: str, monkeypatch) -> None:
    """A run of 10-document shards stopped (Ctrl-C) during its third shard, two shards finished."""
    calls = {"n": 0}
    original = run_module._link_chunk

    def failing(chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(chunk)

    monkeypatch.setattr(run_module, "_CHUNK", 10)
    monkeypatch.setattr(run_module, "_link_chunk", failing)
    with pytest.raises(KeyboardInterrupt):
        annotate_corpus(inputs, out, linker, RunOptions(shard_size=10), fingerprint)
    monkeypatch.setattr(run_module, "_link_chunk", original)


def test_interrupted_run_resumes_without_loss_or_duplicates(kb: KnowledgeBase, dictionary: Dictionary,
                                                             tmp_path: Path, monkeypatch) -> None:
    source = write_text_corpus(tmp_path / "in.txt", 45)
    linker = Linker(dictionary)
    annotate_corpus([source], tmp_path / "full.jsonl", linker, RunOptions(shard_size=10), kb.fingerprint)
    out = tmp_path / "resumed.jsonl"
    interrupt([source], out, linker, kb.fingerprint, monkeypatch)
    assert not out.exists()
    with pytest.raises(KebiokgError, match="unfinished annotation"):
        annotate_corpus([source], out, linker, RunOptions(shard_size=10), kb.fingerprint)
    with pytest.raises(KebiokgError, match="different settings"):
        annotate_corpus([source], out, linker, RunOptions(shard_size=5, resume=True), kb.fingerprint)
    report = annotate_corpus([source], out, linker, RunOptions(shard_size=10, resume=True), kb.fingerprint)
    assert report.resumed_documents == 20 and report.documents == 45
    assert out.read_text() == (tmp_path / "full.jsonl").read_text()
    assert not (tmp_path / "resumed.jsonl.parts").exists()

    # interrupted while joining the finished shards into one file: --resume finishes the join
    joined = tmp_path / "joined.jsonl"
    original_join = run_module._join

    def join_then_crash(folder, manifest, target):
        target.with_name(target.name + ".tmp").write_text("half a copy")
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "_join", join_then_crash)
    with pytest.raises(KeyboardInterrupt):
        annotate_corpus([source], joined, linker, RunOptions(shard_size=10), kb.fingerprint)
    monkeypatch.setattr(run_module, "_join", original_join)
    with pytest.raises(KebiokgError, match="joining its shards into one file was interrupted"):
        annotate_corpus([source], joined, linker, RunOptions(shard_size=10), kb.fingerprint)
    annotate_corpus([source], joined, linker, RunOptions(shard_size=10, resume=True), kb.fingerprint)
    assert joined.read_text() == (tmp_path / "full.jsonl").read_text()
    assert not (tmp_path / "joined.jsonl.tmp").exists() and not (tmp_path / "joined.jsonl.parts").exists()


def test_resume_refuses_inputs_that_changed(kb: KnowledgeBase, dictionary: Dictionary, tmp_path: Path,
                                            monkeypatch) -> None:
    source = write_text_corpus(tmp_path / "in.txt", 45)
    original, stat = source.read_bytes(), source.stat()
    linker = Linker(dictionary)
    annotate_corpus([source], tmp_path / "full.jsonl", linker, RunOptions(shard_size=10), kb.fingerprint)
    out = tmp_path / "out.jsonl"
    interrupt([source], out, linker, kb.fingerprint, monkeypatch)
    resume = RunOptions(shard_size=10, resume=True)
    source.write_bytes(original.replace(b"Doc 4:", b"Doc X:"))  # same size and time, other content
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(KebiokgError, match=r"in.txt changed since the interrupted run \(content\); use --force"):
        annotate_corpus([source], out, linker, resume, kb.fingerprint)
    source.write_bytes(original + b"one more\n")
    with pytest.raises(KebiokgError, match=r"in.txt changed since the interrupted run \(size, modification time"):
        annotate_corpus([source], out, linker, resume, kb.fingerprint)
    source.write_bytes(original)
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    annotate_corpus([source], out, linker, resume, kb.fingerprint)
    assert out.read_text() == (tmp_path / "full.jsonl").read_text()

    folder = tmp_path / "texts"  # a folder given as input: a file added to it is another input
    folder.mkdir()
    write_text_corpus(folder / "a.txt", 45)
    interrupt([folder], tmp_path / "folder.jsonl", linker, kb.fingerprint, monkeypatch)
    write_text_corpus(folder / "b.txt", 1)
    with pytest.raises(KebiokgError, match=r"b.txt was not an input of the interrupted run"):
        annotate_corpus([folder], tmp_path / "folder.jsonl", linker, resume, kb.fingerprint)


def test_a_failed_run_leaves_nothing_that_asks_for_force(kb: KnowledgeBase, dictionary: Dictionary,
                                                         tmp_path: Path) -> None:
    db = kb.url.removeprefix("duckdb:///")
    source = tmp_path / "in.PubTator"
    source.write_text("1|t|Aspirin\n1|a|helps.\n1\tCID\n\n2|t|Cisplatin\n2|a|too.\n\n")
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(out), "--quiet"])
    assert result.exit_code == 1 and "in.PubTator:3: not a PubTator title" in result.output
    assert not out.exists() and not (tmp_path / "out.jsonl.parts").exists()
    result = runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(out), "--quiet", "--json",
                                  "--on-error", "skip"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped"] == {"malformed": 1} and len(list(read_corpus(out))) == 2

    source.write_text("1\tCID\tD1\n")  # nothing left once the malformed line is skipped
    for target in (tmp_path / "empty.jsonl", tmp_path / "empty"):
        with pytest.raises(KebiokgError, match=r"empty corpus: no documents in .*in.PubTator \(1 malformed"):
            annotate_corpus([source], target, Linker(dictionary), RunOptions(on_error="skip"), kb.fingerprint)
        assert list(tmp_path.glob(f"{target.name}*")) == []


def test_pubtator_relation_lines_of_any_width_are_read_everywhere(kb: KnowledgeBase, tmp_path: Path) -> None:
    db = kb.url.removeprefix("duckdb:///")
    source = tmp_path / "bioc.PubTator"  # BioC conversions add a novelty flag to relation lines
    source.write_text("1|t|Aspirin\n1|a|eases heart attack.\n1\t0\t7\tAspirin\tChemical\tC0000002\n"
                      "1\t14\t26\theart attack\tDisease\tC0000001\n1\tAssociation\tC0000002\tC0000001\tNo\n\n")
    assert read_tagged(source)[0].relations == [("Association", "C0000002", "C0000001")]  # finetune --train
    runner = CliRunner()
    for extra in ([], ["--gold-passthrough"]):
        result = runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / f"o{len(extra)}"),
                                      "--quiet", "--json", *extra])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["entities"] == 2
    result = runner.invoke(main, ["eval-linking", "--gold", str(source), "--pred", str(tmp_path / "o0"), "--db", db,
                                  "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["strict"]["f1"] == 1.0


def test_pubtator_output_round_trips(kb: KnowledgeBase, dictionary: Dictionary, tmp_path: Path) -> None:
    source = tmp_path / "in.PubTator"
    source.write_text("5|t|Cisplatin toxicity\n5|a|Breast cancer relapsed.\n\n")
    out = tmp_path / "out.pubtator"
    annotate_corpus([source], out, Linker(dictionary), RunOptions(output_format="pubtator"), kb.fingerprint)
    docs = list(read_documents([out], "pubtator", Problems()))
    assert docs[0].text == "Cisplatin toxicity Breast cancer relapsed."
    assert [(m.text, m.ids) for m in docs[0].mentions] == [("Cisplatin", ["C0000017"]), ("Breast cancer", ["C0000010"])]


def test_gold_ids_map_bare_cuis_mesh_and_prefixed_ids(kb: KnowledgeBase) -> None:
    mapper = IdMapper(kb)
    assert mapper.cuis("C0000017") == ["C0000017"]  # a bare CUI, though C + digits also looks like MeSH
    assert mapper.cuis("UMLS:C0000017") == ["C0000017"]
    assert mapper.cuis("C9999999") == [] and mapper.cuis("UMLS:C9999999") == []


def test_gold_ids_are_read_by_namespace_and_numbers_by_the_mention_type(kb: KnowledgeBase, tmp_path: Path) -> None:
    mapper = IdMapper(kb)
    assert mapper.cuis("OMIM:100100") == mapper.cuis("MIM: 100100") == ["C0000025"]
    assert mapper.cuis("D000019") == mapper.cuis("MESH:D000019") == mapper.cuis("msh:D000019") == ["C0000019"]
    assert mapper.cuis("9606", "Species") == mapper.cuis("NCBITaxon:9606") == mapper.cuis("9606", "OrganismTaxon") \
        == ["C0000026"]
    # 100100 is an OMIM code of the KB: a number of a gene mention is an NCBI Gene id, of a disease one unknown
    assert mapper.mention_cuis(["100100"], "Gene") == mapper.mention_cuis(["100100"], "GeneOrGeneProduct") == []
    assert mapper.mention_cuis(["100100"], "Disease") == mapper.mention_cuis(["NCBIGene:100100", "X:1"]) == []
    assert mapper.unmapped == {"NCBI Gene": 3, "unknown": 2}

    gold = tmp_path / "gold.PubTator"
    gold.write_text("1|t|Prune belly syndrome\n1|a|and the PBS gene in Homo sapiens.\n"
                    "1\t0\t20\tPrune belly syndrome\tDisease\tOMIM:100100\n"
                    "1\t29\t32\tPBS\tGene\t100100\n1\t41\t53\tHomo sapiens\tSpecies\t9606\n\n")
    db = kb.url.removeprefix("duckdb:///")
    runner = CliRunner()
    result = runner.invoke(main, ["annotate", str(gold), "--db", db, "--out", str(tmp_path / "p.jsonl"), "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["eval-linking", "--gold", str(gold), "--pred", str(tmp_path / "p.jsonl"), "--db", db,
                                  "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["gold_mentions"], report["gold_mentions_in_kb"], report["unmapped_ids"]) == (3, 2, {"NCBI Gene": 1})
    assert report["strict"]["f1"] == 1.0
    result = runner.invoke(main, ["eval-linking", "--gold", str(gold), "--pred", str(tmp_path / "p.jsonl"), "--db", db])
    assert "gold ids in no KB concept: NCBI Gene 1" in result.output


def test_pubtator_output_keeps_a_mention_across_a_line_break_on_one_line(tmp_path: Path) -> None:
    text = "Heart\nattack\tafter cisplatin."
    doc = AnnotatedDocument("7", text, [Entity(0, 12, text[0:12], "C0000001")])
    path = tmp_path / "out.pubtator"
    path.write_text(to_pubtator(doc))
    read = list(read_pubtator(path))[0]
    assert [(m.start, m.end, m.text) for m in read.mentions] == [(0, 12, "Heart attack")]


# -- gold corpora, evaluation, the command ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ncim_kb(real_data_module, tmp_path_factory) -> KnowledgeBase:
    db = tmp_path_factory.mktemp("ncim") / "kb.duckdb"
    load_umls(real_data_module / "umls" / "SAMPLE_NCIM", db)
    with KnowledgeBase(db) as opened:
        yield opened


@pytest.fixture(scope="module")
def real_data_module():
    from conftest import shared_data

    data = shared_data()
    if data is None:
        pytest.skip("real data not present (set KEBIOKG_DATA)")
    return data


def test_gold_passthrough_maps_mesh_ids(ncim_kb: KnowledgeBase, real_data_module: Path, tmp_path: Path) -> None:
    corpus = real_data_module / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    report = annotate_corpus([corpus], tmp_path / "gold.jsonl", None, RunOptions(gold_passthrough=True),
                             ncim_kb.fingerprint, IdMapper(ncim_kb))
    assert report.documents == 500
    assert sum(report.gold.values()) == 9591  # every mention is mapped, unmapped or unlinked
    assert report.gold["mapped"] == report.entities > 500
    docs = list(read_corpus(tmp_path / "gold.jsonl"))
    assert all(e.cui.startswith("C") and len(e.cui) == 8 for d in docs for e in d.entities)


# Written in one number in the dev sets, in the other in SAMPLE_NCIM ("pancreatic disorder", "tumour", ...).
REAL_INFLECTIONS = {"pancreatic disorders": "C0030286", "digestive disorders": "C0012242",
                    "developmental disorders": "C0008073", "tumours": "C0375111", "immune defects": "C0021053"}


def test_real_names_meet_their_plurals(ncim_kb: KnowledgeBase) -> None:
    inflected, written = (Linker(Dictionary.build(ncim_kb, DictionaryOptions(inflections=flag)))
                          for flag in (True, False))
    for text, cui in REAL_INFLECTIONS.items():
        assert linked(inflected, text) == [(text, cui)]
        assert (text, cui) not in linked(written, text)


def dictionary_keys(kb: KnowledgeBase, options: DictionaryOptions) -> list[str]:
    """The dictionary's keys in row order, straight from sql/dictionary.sql."""
    statements = named_statements("dictionary.sql")
    with kb.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute(sql_text("normalize.sql"))
        try:
            dictionary_module._prepare(raw, statements, options)
            return [key for (key,) in raw.execute("SELECT DISTINCT key FROM dictionary_rows ORDER BY key").fetchall()]
        finally:
            raw.execute(statements["drop_dictionary_names"])
            raw.execute(statements["drop_dictionary_rows"])


@pytest.mark.parametrize("inflections", [True, False])
def test_the_trie_finds_what_every_word_ngram_looked_up_finds(ncim_kb: KnowledgeBase, real_data_module: Path,
                                                                inflections: bool) -> None:
    """Dictionary.find on real abstracts against every run of words (each word read as its key word) looked
    up among the KB's keys: the trie and its hash table lose no name and make none up."""
    options = DictionaryOptions(inflections=inflections)
    dictionary = Dictionary.build(ncim_kb, options)
    rows = {key: row for row, key in enumerate(dictionary_keys(ncim_kb, options))}
    assert len(rows) == dictionary.meta["names"]
    key_word: dict[int, str] = {}
    for word, word_id in dictionary.word_ids.items():  # key words come first, then their inflected forms
        key_word.setdefault(word_id, word)
    longest = max(len(key.split(" ")) for key in rows)
    gold = real_data_module / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    texts = [tokenize(doc.text)[0] for doc in read_pubtator(gold)]
    found = dictionary.find(texts, np.ones(len(rows), dtype=bool))
    lengths: Counter = Counter()
    for words, matches in zip(texts, found, strict=True):
        keyed = [key_word.get(dictionary.word_ids.get(word, -1)) for word in words]
        expected = set()
        for first in range(len(words)):
            for end in range(first + 1, min(len(words), first + longest) + 1):
                if keyed[end - 1] is None:
                    break
                row = rows.get(" ".join(keyed[first:end]))
                if row is not None:
                    expected.add((first, end, row))
        assert sorted(matches) == sorted(expected)
        lengths.update(end - first for first, end, _ in expected)
    assert sum(lengths.values()) > 1_000 and lengths[2] > 100 and lengths[3] > 10, lengths
    kept = np.zeros(len(rows), dtype=bool)
    kept[::2] = True
    assert all(row % 2 == 0 for matches in dictionary.find(texts, kept) for _, _, row in matches)


def test_a_reloaded_dictionary_annotates_real_text_as_the_built_one(ncim_kb: KnowledgeBase, real_data_module: Path,
                                                                      tmp_path: Path) -> None:
    built = Dictionary.build(ncim_kb)
    built.save(tmp_path / "d")
    loaded = Dictionary.load(tmp_path / "d", ncim_kb, verify=True)
    gold = real_data_module / "corpora" / "ncbi_disease" / "NCBIdevelopset_corpus.txt"
    docs = [(doc.id, doc.text, doc.title_length) for doc in read_pubtator(gold)]
    one_by_one = [Linker(built).annotate(*doc) for doc in docs]
    assert sum(len(doc.entities) for doc in one_by_one) > 200
    assert Linker(loaded).annotate_many(docs) == one_by_one


@pytest.mark.parametrize(("corpus", "types", "strict_f1", "doc_f1"), [
    ("bc5cdr/CDR_TrainingSet.PubTator.txt", "DISO,CHEM", 0.531, 0.467),  # measured at the default threshold
    ("ncbi_disease/NCBItrainset_corpus.txt", "DISO", 0.356, 0.377),
])
def test_linking_quality_on_real_corpora(ncim_kb: KnowledgeBase, real_data_module: Path, tmp_path: Path,
                                         corpus: str, types: str, strict_f1: float, doc_f1: float) -> None:
    gold = real_data_module / "corpora" / corpus
    db = ncim_kb.url.removeprefix("duckdb:///")
    runner = CliRunner()
    result = runner.invoke(main, ["annotate", str(gold), "--db", db, "--out", str(tmp_path / "pred"),
                                  "--semantic-types", types, "--workers", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["eval-linking", "--gold", str(gold), "--pred", str(tmp_path / "pred"),
                                  "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["coverage"] > 0.05
    assert report["strict"]["f1"] >= strict_f1 - 0.02
    assert report["per_document"]["f1"] >= doc_f1 - 0.02


def test_options_that_leave_nothing_to_find_are_one_line_errors_or_warnings(kb: KnowledgeBase,
                                                                             tmp_path: Path) -> None:
    db = kb.url.removeprefix("duckdb:///")
    source = write_text_corpus(tmp_path / "in.txt", 3)
    runner = CliRunner()

    def annotate(*options: str):
        return runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "o.jsonl"),
                                    "--quiet", "--force", *options])

    for options, message in ((["--min-chars", "1000"], "empty dictionary: no ENG name of release passes its options "
                                                        "(--min-chars 1000, stop words left out)"),
                             (["--semantic-types", "GENE"], "no dictionary name is of the semantic types asked for "
                                                            "(T028, T085, T086, T087, T088)"),
                             (["--semantic-types", "T999", "--gold-passthrough"], "'T999': not a TUI")):
        result = annotate(*options)
        assert result.exit_code == 1 and result.output.startswith(f"kebiokg: error: {message}"), result.output
        assert result.output.count("\n") == 1
    result = annotate("--semantic-types", "T060")
    assert result.exit_code == 0
    assert result.stderr == ("warning: 0 entities in 3 documents: the dictionary's 20 names found nothing scoring "
                             "0.8+ (semantic types T060)\n")
    assert "warning" not in annotate().stderr


def test_gold_passthrough_keeps_the_semantic_types_asked_for(kb: KnowledgeBase, tmp_path: Path) -> None:
    source = tmp_path / "gold.PubTator"
    source.write_text("1|t|Aspirin\n1|a|eases heart attack.\n1\t0\t7\tAspirin\tChemical\tC0000002\n"
                      "1\t14\t26\theart attack\tDisease\tC0000001\n\n")
    report = annotate_corpus([source], tmp_path / "o.jsonl", None,
                             RunOptions(gold_passthrough=True, gold_types=parse_semantic_types(["DISO"])),
                             kb.fingerprint, IdMapper(kb))
    assert report.gold == {"mapped": 1, "other_type": 1}
    assert [e.cui for d in read_corpus(tmp_path / "o.jsonl") for e in d.entities] == ["C0000001"]


def test_cli_errors_are_one_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    db = kb.url.removeprefix("duckdb:///")
    source = write_text_corpus(tmp_path / "in.txt", 3)
    runner = CliRunner()
    assert runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "o.jsonl"),
                                "--quiet"]).exit_code == 0
    result = runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "o.jsonl"), "--quiet"])
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0
    assert "exists (use --force" in result.output
    result = runner.invoke(main, ["annotate", str(source), "--db", db, "--out", str(tmp_path / "p"),
                                  "--semantic-types", "NOPE", "--quiet"])
    assert result.exit_code == 1 and "semantic group" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x"}\nnot json\n')
    result = runner.invoke(main, ["annotate", str(bad), "--db", db, "--out", str(tmp_path / "q.jsonl"), "--quiet"])
    assert result.exit_code == 1 and "bad.jsonl:2: not JSON" in result.output
    zipped = tmp_path / "corpus.jsonl"
    zipped.write_bytes(gzip.compress(b'{"id": 1, "text": "x"}\n'))
    result = runner.invoke(main, ["train-tokenizer", str(zipped), "--out", str(tmp_path / "tok")])
    assert result.exit_code == 1 and "corpus.jsonl:1: not UTF-8 text (gzip-compressed" in result.output
