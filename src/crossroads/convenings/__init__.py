"""Use cases: the only writers of convenings, rosters and participants."""
