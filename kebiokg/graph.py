"""The knowledge graph: networkx views over `relations`, built lazily for the part a query needs.

A full MRREL has ~60M rows; a one-hop query reads only the edges that touch one concept
(`relations` is sorted by subject and indexed by object), and deeper queries expand a frontier
hop by hop, so Python never holds more of the graph than the query explores.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import sqlalchemy as sa

from . import schema as t
from .errors import KBError
from .kb import KnowledgeBase


@dataclass(frozen=True)
class RelationFilter:
    """Which relations count as edges (None = all): REL and SAB in capitals, RELA in lower case, as the
    command line's options give them (`kebiokg.cli.options.Codes`); RELA is compared lower-cased, since
    UMLS writes NCI's in mixed case."""

    rels: tuple[str, ...] | None = None
    relas: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None


@dataclass
class Edge:
    """One relation in reading order: `subject rel/rela object`."""

    subject_cui: str
    subject_name: str
    rel: str
    rela: str | None
    object_cui: str
    object_name: str
    sab: str | None
    depth: int = 1


class KnowledgeGraph:
    def __init__(self, kb: KnowledgeBase, relation_filter: RelationFilter | None = None,
                 max_edges: int = 50_000) -> None:
        self.kb = kb
        self.filter = relation_filter or RelationFilter()
        self.max_edges = max_edges  # per hop: hubs can have tens of thousands of edges
        self.truncated = False

    def _edges_touching(self, entity_ids: list[int]) -> list[sa.Row]:
        r = t.relations.c
        conditions = []
        params: dict = {"ids": entity_ids, "limit": self.max_edges}
        if self.filter.rels:
            conditions.append(r.rel.in_(sa.bindparam("rels", expanding=True)))
            params["rels"] = list(self.filter.rels)
        if self.filter.relas:
            conditions.append(sa.func.lower(r.rela).in_(sa.bindparam("relas", expanding=True)))
            params["relas"] = list(self.filter.relas)
        if self.filter.sources:
            conditions.append(r.sab.in_(sa.bindparam("sources", expanding=True)))
            params["sources"] = list(self.filter.sources)
        columns = (r.subject_id, r.rel, r.rela, r.object_id, r.sab)
        # Two selects rather than one OR: each side can use its own sort order / index.
        outgoing = sa.select(*columns).where(r.subject_id.in_(sa.bindparam("ids", expanding=True)), *conditions)
        incoming = sa.select(*columns).where(r.object_id.in_(sa.bindparam("ids", expanding=True)), *conditions)
        query = sa.union(outgoing, incoming).limit(sa.bindparam("limit"))
        rows = self.kb.query(query, params)
        if len(rows) >= self.max_edges:
            self.truncated = True
        return rows

    def _add(self, graph: nx.MultiDiGraph, rows: list[sa.Row], depth: int) -> set[int]:
        touched = set()
        for row in rows:
            key = (row.rel, row.rela, row.sab)
            if not graph.has_edge(row.subject_id, row.object_id, key=key):  # adds the nodes too
                graph.add_edge(row.subject_id, row.object_id, key=key, rel=row.rel, rela=row.rela, sab=row.sab,
                               depth=depth)
            touched.update((row.subject_id, row.object_id))
        return touched

    def subgraph(self, cui: str, depth: int = 1) -> nx.MultiDiGraph:
        """The edges within `depth` hops of a concept (either direction), as a MultiDiGraph."""
        start = self.kb.concept(cui)
        self.truncated = False
        graph = nx.MultiDiGraph()
        graph.add_node(start.entity_id)
        seen, frontier = {start.entity_id}, [start.entity_id]
        for hop in range(1, depth + 1):
            if not frontier:
                break
            touched = self._add(graph, self._edges_touching(frontier), hop)
            frontier = sorted(touched - seen)
            seen |= touched
        self._name_nodes(graph)
        return graph

    def neighbors(self, cui: str, depth: int = 1) -> list[Edge]:
        """Relations within `depth` hops, in reading order, nearest first."""
        graph = self.subgraph(cui, depth)
        edges = [self._edge(graph, s, o, data) for s, o, data in graph.edges(data=True)]
        return sorted(edges, key=lambda e: (e.depth, e.rel, e.rela or "", e.subject_name, e.object_name))

    def shortest_path(self, cui_from: str, cui_to: str, max_depth: int = 4) -> list[Edge]:
        """A shortest chain of relations (each may be read either way) between two concepts."""
        source, target = self.kb.concept(cui_from), self.kb.concept(cui_to)
        self.truncated = False
        if source.entity_id == target.entity_id:
            return []
        graph = nx.MultiDiGraph()
        sides = {source.entity_id: {source.entity_id}, target.entity_id: {target.entity_id}}
        frontiers = {source.entity_id: [source.entity_id], target.entity_id: [target.entity_id]}
        for hop in range(max_depth):
            side = min(frontiers, key=lambda s: len(frontiers[s]))  # expand the smaller side
            if not frontiers[side]:
                break
            touched = self._add(graph, self._edges_touching(frontiers[side]), hop + 1)
            frontiers[side] = sorted(touched - sides[side])
            sides[side] |= touched
            if sides[source.entity_id] & sides[target.entity_id]:
                nodes = nx.shortest_path(graph.to_undirected(as_view=True), source.entity_id, target.entity_id)
                if len(nodes) - 1 > max_depth:
                    break
                self._name_nodes(graph)
                path = [self._edge_between(graph, a, b) for a, b in zip(nodes, nodes[1:], strict=False)]
                for step, edge in enumerate(path, start=1):
                    edge.depth = step
                return path
        raise KBError(f"no path of at most {max_depth} relations between {source.cui} and {target.cui}"
                      + (" (search truncated at a hub)" if self.truncated else ""))

    def _name_nodes(self, graph: nx.MultiDiGraph) -> None:
        """Give every node (an entity_id) its CUI and preferred name, in one KB query."""
        concepts = self.kb.concepts_by_id(list(graph.nodes))
        for node, concept in concepts.items():
            graph.nodes[node].update(cui=concept.cui, name=concept.preferred_name)

    def _edge(self, graph: nx.MultiDiGraph, subject: int, obj: int, data: dict) -> Edge:
        s, o = graph.nodes[subject], graph.nodes[obj]
        return Edge(s["cui"], s["name"], data["rel"], data["rela"], o["cui"], o["name"], data["sab"], data["depth"])

    def _edge_between(self, graph: nx.MultiDiGraph, a: int, b: int) -> Edge:
        """The edge joining a and b, kept in its reading order whichever way the path walks it."""
        if graph.has_edge(a, b):
            data = min(graph.get_edge_data(a, b).values(), key=lambda d: (d["rel"], d["rela"] or ""))
            return self._edge(graph, a, b, data)
        data = min(graph.get_edge_data(b, a).values(), key=lambda d: (d["rel"], d["rela"] or ""))
        return self._edge(graph, b, a, data)
