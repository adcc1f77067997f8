"""A new model's entity table starts from the KB's knowledge-graph embeddings when the KB has
relations, keeps their geometry (one uniform scale), and records the choice in its config."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from kebiokg.errors import KebiokgError
from kebiokg.kb import KnowledgeBase
from kebiokg.kge import EmbedOptions, load_kge
from kebiokg.kge.train import embed_kb
from kebiokg.modeling_kebio import ENTITY_OFFSET, KebioForPreTraining, preset_config
from kebiokg.pretraining.entity_init import init_entity_table
from kebiokg.umls_loader.load import load_umls


def _model(kb: KnowledgeBase) -> KebioForPreTraining:
    return KebioForPreTraining(preset_config("tiny", vocab_size=50, pad_token_id=0,
                                             entity_vocab_size=kb.concept_count + ENTITY_OFFSET))


def test_a_relational_kb_starts_the_table_from_its_kge_scaled_uniformly(synthetic_kb: Path, tmp_path: Path) -> None:
    with KnowledgeBase(synthetic_kb) as kb:
        model = _model(kb)
        dim = model.config.entity_dim
        assert init_entity_table(model, kb, "auto", tmp_path / "run", seed=1, kge_epochs=2) == "kge"
        saved = np.asarray(load_kge(tmp_path / "run" / "kge", kb).entities)
    config = model.config
    assert (config.entity_init, config.entity_init_source) == ("kge", str(tmp_path / "run" / "kge"))
    rows = model.kebio.entity_embeddings.weight[ENTITY_OFFSET:].detach().numpy()
    np.testing.assert_allclose(rows, saved * config.entity_init_scale, rtol=1e-5, atol=1e-7)  # one factor for all
    norms = np.linalg.norm(rows, axis=1)
    assert math.isclose(norms.mean(), config.initializer_range * math.sqrt(dim), rel_tol=1e-4)
    assert norms.std() > 0  # rows keep their own lengths: not normalised one by one
    reloaded = KebioForPreTraining.from_pretrained(_saved(model, tmp_path / "saved"))
    assert reloaded.config.entity_init == "kge" and reloaded.config.entity_init_scale == config.entity_init_scale


def _saved(model: KebioForPreTraining, path: Path) -> Path:
    model.save_pretrained(path)
    return path


def test_given_embeddings_are_checked_against_the_kb_and_the_table(synthetic_kb: Path, tmp_path: Path,
                                                                     tiny_release: Path) -> None:
    with KnowledgeBase(synthetic_kb) as kb:
        embed_kb(kb, tmp_path / "kge16", EmbedOptions(dim=16, epochs=1))
        with pytest.raises(KebiokgError, match="16-dimensional"):
            init_entity_table(_model(kb), kb, "kge", tmp_path / "run", seed=0, kge=tmp_path / "kge16")
    load_umls(tiny_release, tmp_path / "other.duckdb")
    with KnowledgeBase(tmp_path / "other.duckdb") as other, pytest.raises(KebiokgError, match="another KB"):
        init_entity_table(_model(other), other, "kge", tmp_path / "run2", seed=0, kge=tmp_path / "kge16")


def test_a_kb_without_relations_falls_back_only_when_asked(tiny_release: Path, tmp_path: Path) -> None:
    load_umls(tiny_release, tmp_path / "kb.duckdb")
    with KnowledgeBase(tmp_path / "kb.duckdb", read_only=False) as kb:
        with kb.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM relations"))
    with KnowledgeBase(tmp_path / "kb.duckdb") as kb:
        with pytest.raises(KebiokgError, match="no relations"):
            init_entity_table(_model(kb), kb, "kge", tmp_path / "run", seed=0)
        model = _model(kb)
        assert init_entity_table(model, kb, "auto", tmp_path / "run", seed=0) == "lexical"
        assert model.config.entity_init == "lexical"
