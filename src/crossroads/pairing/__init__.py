"""Who meets whom: fair, random, fast pairs and small groups under real constraints.

A pure package: it imports nothing from the web, the store, live or notes, so it can be
tested, benchmarked and used offline (``crossroads pair``) on its own.
"""

from crossroads.pairing.engine import assign
from crossroads.pairing.exact import exact_assign
from crossroads.pairing.explain import explain
from crossroads.pairing.incremental import drop, place_late_joiner
from crossroads.pairing.model import (
    Assignment,
    Compromise,
    Group,
    Mode,
    PairingRequest,
    Person,
    Reason,
)
from crossroads.pairing.schedule import pairs_met, plan_rounds
from crossroads.pairing.scoring import random_assignment, score, summarise

__all__ = [
    "Assignment",
    "Compromise",
    "Group",
    "Mode",
    "PairingRequest",
    "Person",
    "Reason",
    "assign",
    "drop",
    "exact_assign",
    "explain",
    "pairs_met",
    "place_late_joiner",
    "plan_rounds",
    "random_assignment",
    "score",
    "summarise",
]
