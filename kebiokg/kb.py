"""KnowledgeBase: read access to a loaded KB through SQLAlchemy Core, parameterized queries only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa

from . import schema as t
from .errors import KBError, KebiokgError
from .semantic_groups import annotation_types, parse_semantic_types

CUI_PATTERN = re.compile(r"^C[0-9A-Z]\d{6}$")  # C0011849; NCIm also has CL105989


@dataclass
class Concept:
    cui: str
    entity_id: int
    preferred_name: str
    semantic_types: list[str]


@dataclass
class KBStats:
    release: str
    fingerprint: str
    filters: dict
    counts: dict[str, int]
    inputs: list[dict]
    top_sources: list[tuple[str, int]] = field(default_factory=list)
    top_semantic_types: list[tuple[str, str, int]] = field(default_factory=list)
    top_relations: list[tuple[str, str | None, int]] = field(default_factory=list)


def _concept(row: sa.Row) -> Concept:
    """A Concept from a `concepts` row."""
    return Concept(row.cui, row.entity_id, row.preferred_name, list(row.semantic_types))


def check_cui(cui: str) -> str:
    """Return the CUI upper-cased, or raise KBError if it is not of the form C0000000."""
    cui = cui.strip().upper()
    if not CUI_PATTERN.match(cui):
        raise KBError(f"{cui!r} is not a CUI (expected C and 7 characters, e.g. C0011849 or CL105989)")
    return cui


def check_fingerprint(recorded: str | None, expected: str, what: str | Path, made: str = "built from",
                      error: type[KebiokgError] = KBError) -> None:
    """The one check that an artefact was made from the KB of fingerprint `expected`: anything else
    is an error naming both fingerprints, never a silent mismatch."""
    if recorded != expected:
        raise error(f"{what}: {made} another KB (fingerprint {recorded}, this KB {expected})")


class KnowledgeBase:
    """A loaded KB. Open it from a path (`kb.duckdb`) or a SQLAlchemy URL (`duckdb:///kb.duckdb`).

    DuckDB refuses a second connection to one file with another configuration in the same
    process, so a KB is opened either read-only (the default) or read-write, never both.
    """

    def __init__(self, location: str | Path, read_only: bool = True) -> None:
        url = str(location)
        if "://" not in url:
            path = Path(location)
            if not path.is_file():
                raise KBError(f"{path}: no such KB (create one with `kebiokg load-umls`)")
            url = f"duckdb:///{path.resolve()}"
        self.url = url
        self.engine = sa.create_engine(url, connect_args={"read_only": read_only}, poolclass=sa.pool.StaticPool)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(t.kb_meta.c.key, t.kb_meta.c.value)).all()
        except sa.exc.DBAPIError as exc:
            self.engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            if "kb_meta" in reason and "does not exist" in reason:
                raise KBError(f"{location}: not a kebiokg KB (no kb_meta table)") from exc
            raise KBError(f"{location}: cannot open the KB: {reason}") from exc
        self.meta: dict = {key: json.loads(value) for key, value in rows}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def fingerprint(self) -> str:
        return self.meta["fingerprint"]

    @property
    def release(self) -> str:
        return self.meta["release"]

    def check_fingerprint(self, recorded: str | None, what: str | Path, made: str = "built from",
                          error: type[KebiokgError] = KBError) -> None:
        """An artefact (index, dictionary, model, checkpoint, embeddings) was made from this KB."""
        check_fingerprint(recorded, self.fingerprint, what, made, error)

    def semantic_type_filter(self, values: Iterable[str] | None) -> frozenset[str] | None:
        """TUIs of a type filter (TUIs, semantic groups, this KB's type names; any case); None: no filter."""
        return parse_semantic_types(values, self._type_names())

    def annotation_types(self, values: Iterable[str] | None) -> tuple[str, frozenset[str] | None]:
        """The annotator's type profile of a filter and its TUIs: the default profile for no values."""
        return annotation_types(values, self._type_names())

    def _type_names(self) -> dict[str, set[str]]:
        st = t.semantic_types.c
        names: dict[str, set[str]] = {}
        for tui, sty in self.query(sa.select(st.tui, st.sty).distinct()):
            names.setdefault(sty, set()).add(tui)
        return names

    def query(self, statement, params: dict | None = None) -> list:
        """Run a SQLAlchemy statement with bound parameters; all rows."""
        with self.engine.connect() as conn:
            return conn.execute(statement, params or {}).all()

    @cached_property
    def concept_count(self) -> int:
        return self.query(sa.select(sa.func.count()).select_from(t.concepts))[0][0]

    def concept(self, cui: str) -> Concept:
        cui = check_cui(cui)
        rows = self.query(sa.select(t.concepts).where(t.concepts.c.cui == sa.bindparam("cui")), {"cui": cui})
        if not rows:
            raise KBError(f"{cui} is not in this KB ({self.release})")
        return _concept(rows[0])

    def names(self, cui: str) -> list[sa.Row]:
        cui = check_cui(cui)
        query = (sa.select(t.names).where(t.names.c.cui == sa.bindparam("cui"))
                 .order_by(t.names.c.rank.desc(), t.names.c.str))
        return self.query(query, {"cui": cui})

    def cuis_for_norm(self, norm: str) -> list[str]:
        """CUIs with a name whose normalized form is exactly `norm`."""
        query = (sa.select(t.names.c.cui).distinct().where(t.names.c.norm == sa.bindparam("norm"))
                 .order_by(t.names.c.cui))
        return [row[0] for row in self.query(query, {"norm": norm})]

    def cuis_for_code(self, sab: str, code: str) -> list[str]:
        """CUIs of the atoms a source code names (e.g. MSH D003920), the way corpora link to the KB."""
        c = t.source_codes.c
        query = (sa.select(c.cui).distinct()
                 .where(c.sab == sa.bindparam("sab"), c.code == sa.bindparam("code")).order_by(c.cui))
        return [row[0] for row in self.query(query, {"sab": sab, "code": code})]

    def details(self, cui: str) -> ConceptDetails:
        """Names by source and term type, semantic types, definitions, relation counts by type."""
        concept = self.concept(cui)
        params = {"cui": concept.cui, "entity_id": concept.entity_id}
        n, st, d, r = t.names.c, t.semantic_types.c, t.definitions.c, t.relations.c
        synonyms = self.query(sa.select(n.str, n.sab, n.tty, n.lat, n.is_preferred)
                             .where(n.cui == sa.bindparam("cui")).order_by(n.rank.desc(), n.sab, n.tty, n.str), params)
        types = self.query(sa.select(st.tui, st.sty, st.stn).where(st.cui == sa.bindparam("cui")).order_by(st.tui),
                          params)
        definitions = self.query(sa.select(d.sab, d.definition).where(d.cui == sa.bindparam("cui"))
                                .order_by(d.sab, d.definition), params)
        counts = []
        for direction, column in (("out", r.subject_id), ("in", r.object_id)):
            rows = self.query(sa.select(r.rel, r.rela, sa.func.count()).where(column == sa.bindparam("entity_id"))
                             .group_by(r.rel, r.rela).order_by(sa.func.count().desc(), r.rel, r.rela), params)
            counts += [{"direction": direction, "rel": rel, "rela": rela, "count": c} for rel, rela, c in rows]
        return ConceptDetails(
            concept=concept,
            synonyms=[row._asdict() for row in synonyms],
            semantic_types=[row._asdict() for row in types],
            definitions=[row._asdict() for row in definitions],
            relation_counts=counts,
        )

    def concepts_by_id(self, entity_ids: list[int]) -> dict[int, Concept]:
        """Concepts for a batch of entity ids (the index's and the model's vocabulary)."""
        if not entity_ids:
            return {}
        c = t.concepts.c
        query = sa.select(t.concepts).where(c.entity_id.in_(sa.bindparam("ids", expanding=True)))
        rows = self.query(query, {"ids": sorted(set(int(i) for i in entity_ids))})
        return {row.entity_id: _concept(row) for row in rows}

    def stats(self, top: int = 10) -> KBStats:
        n, st, r = t.names.c, t.semantic_types.c, t.relations.c
        sources = self.query(sa.select(n.sab, sa.func.count()).group_by(n.sab)
                            .order_by(sa.func.count().desc(), n.sab).limit(top))
        types = self.query(sa.select(st.tui, st.sty, sa.func.count()).group_by(st.tui, st.sty)
                          .order_by(sa.func.count().desc(), st.tui).limit(top))
        rels = self.query(sa.select(r.rel, r.rela, sa.func.count()).group_by(r.rel, r.rela)
                         .order_by(sa.func.count().desc(), r.rel, r.rela).limit(top))
        return KBStats(
            release=self.release,
            fingerprint=self.fingerprint,
            filters=self.meta["filters"],
            counts=self.meta["counts"],
            inputs=self.meta["inputs"],
            top_sources=[tuple(row) for row in sources],
            top_semantic_types=[tuple(row) for row in types],
            top_relations=[tuple(row) for row in rels],
        )


@dataclass
class ConceptDetails:
    """Everything `kebiokg concept` shows about one concept."""

    concept: Concept
    synonyms: list[dict]  # {"str", "sab", "tty", "lat", "is_preferred"}, best rank first
    semantic_types: list[dict]  # {"tui", "sty", "stn"}
    definitions: list[dict]  # {"sab", "definition"}
    relation_counts: list[dict]  # {"direction": "out"|"in", "rel", "rela", "count"}
