"""The exact reference for pairs: networkx's maximum weight matching on the complete graph.

Cubic time: fine up to a few hundred people, used by tests and the benchmark as the yardstick
for the fast path's quality.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from crossroads.pairing.engine import best_home, population
from crossroads.pairing.explain import explain
from crossroads.pairing.model import Assignment, PairingRequest
from crossroads.pairing.weights import REPEAT


def exact_assign(request: PairingRequest) -> Assignment:
    if request.size != 2:
        raise ValueError("the exact reference covers pairs only")
    pop = population(request)
    n = pop.n
    i, j = np.triu_indices(n, k=1)
    w = pop.weights(i, j)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    ok = np.isfinite(w)
    # Shifted positive so that matching more people always beats matching fewer.
    shift = REPEAT + 1.0
    graph.add_weighted_edges_from(
        zip(i[ok].tolist(), j[ok].tolist(), (w[ok] + shift).tolist(), strict=True)
    )
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    groups = [sorted(pair) for pair in matching]
    matched = {p for pair in groups for p in pair}
    for person in (p for p in range(n) if p not in matched):
        home = best_home(pop, person, groups, 3)
        if home is None:
            groups.append([person])
        else:
            groups[home].append(person)
    return Assignment(
        groups=tuple(
            explain([request.people[k] for k in g], met=request.met, series=request.series)
            for g in sorted(groups)
        )
    )
