"""How well the harvest finds the themes people wrote about, on hand-labelled calls.

Usage: .venv/bin/python bench/harvest_quality.py [--calls bench/harvest_eval/call*.txt]

Each call in bench/harvest_eval/ (format in its README) becomes a notes file and a roster; the
notes go through the same path as ``crossroads harvest notes.md --out note.json`` (read_notes,
harvest, the JSON export) and the themes' ``source_lines`` are compared with the planted themes:

- ARI: adjusted Rand index over the planted lines (chat lines excluded); a line in no theme
  ("other points") counts as a cluster of its own, so dropping lines is not rewarded.
- NMI: normalised mutual information, same assignment.
- found: planted themes recovered, i.e. one theme holds >= 3 of its lines at >= 60 % purity.
- chat: chat lines (greetings, "Let's start with prompt 1.") that ended up in a theme.

Side by side: the default (multilingual sentence embeddings), the TF-IDF fallback, and a random
assignment into as many groups as there are planted themes (the baseline of this run). Calls
marked ``split: tune`` were used to choose the method; ``holdout`` ones were not looked at while
choosing: their rows say how well the choice generalises. Then the privacy check: every call
again under Chatham House with nobody consenting, counting names and six-word runs of anyone's
contribution that reach the Markdown or JSON output (target 0).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crossroads.harvest.export import reflection_data  # noqa: E402
from crossroads.harvest.markdown import render_markdown  # noqa: E402
from crossroads.harvest.model import HarvestInput, PrivacyMode, RosterEntry  # noqa: E402
from crossroads.harvest.privacy import fold  # noqa: E402
from crossroads.harvest.reflection import harvest  # noqa: E402
from crossroads.harvest.sources import read_notes  # noqa: E402
from crossroads.harvest.themes import TfidfEncoder  # noqa: E402

EVAL = Path(__file__).resolve().parent / "harvest_eval"
_SPEAKER = re.compile(r"^([^:]{1,48}):\s+(.*)$")
NOISE = "-"


@dataclass
class Call:
    name: str
    split: str
    refuse: set[str] = field(default_factory=set)
    unlisted: set[str] = field(default_factory=set)
    # per prompt: its text and its (line text, planted theme) pairs
    prompts: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def load(path: Path) -> Call:
    call = Call(name=path.stem, split="holdout")
    theme = NOISE
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("! split:"):
            call.split = line.split(":", 1)[1].strip()
        elif line.startswith("! refuse:"):
            call.refuse = {n.strip() for n in line.split(":", 1)[1].split(";") if n.strip()}
        elif line.startswith("! unlisted:"):
            call.unlisted = {n.strip() for n in line.split(":", 1)[1].split(";") if n.strip()}
        elif line.startswith("## "):
            call.prompts.append((line[3:].strip(), []))
        elif line.startswith("@theme"):
            theme = line.split()[1]
        elif line.startswith("@noise"):
            theme = NOISE
        elif line.startswith("- "):
            call.prompts[-1][1].append((line[2:].strip(), theme))
    return call


def notes_of(call: Call) -> tuple[str, dict[int, tuple[int, str]], list[str]]:
    """The notes file, {line: (prompt index, planted theme)} and the speakers' names.

    A prompt's lines are interleaved theme by theme (round robin), the order a live call's
    notes tend to have, so no theme sits in one block.
    """
    lines = [f"# {call.name}", ""]
    truth: dict[int, tuple[int, str]] = {}
    speakers: list[str] = []
    for index, (prompt, items) in enumerate(call.prompts):
        lines += [f"## {prompt}", ""]
        by_theme: dict[str, list[str]] = {}
        for text, theme in items:
            by_theme.setdefault(theme, []).append(text)
            if m := _SPEAKER.match(text):
                speakers.append(m.group(1).strip())
        queues = list(by_theme.items())
        while any(q for _, q in queues):
            for theme, queue in queues:
                if queue:
                    lines.append(f"- {queue.pop(0)}")
                    truth[len(lines)] = (index, theme)
        lines.append("")
    return "\n".join(lines) + "\n", truth, sorted(set(speakers))


def roster_of(call: Call, speakers: list[str]) -> tuple[RosterEntry, ...]:
    return tuple(
        RosterEntry(id=f"r{i}", name=name, consent_quote=name not in call.refuse)
        for i, name in enumerate(s for s in speakers if s not in call.unlisted)
    )


def assignment(data: dict, prompt: int, lines: list[int]) -> list[str]:
    where: dict[int, str] = {}
    for t, theme in enumerate(data["prompts"][prompt]["themes"]):
        for line in theme.get("source_lines", []):
            where[line] = f"t{t}"
    return [where.get(line, f"other{line}") for line in lines]


def scores(planted: list[str], found: list[str]) -> tuple[float, float, int, int]:
    ari = adjusted_rand_score(planted, found)
    nmi = normalized_mutual_info_score(planted, found)
    themes = Counter(planted)
    recovered = 0
    for theme in themes:
        for cluster in set(found):
            if cluster.startswith("other"):
                continue
            inside = [p for p, f in zip(planted, found, strict=True) if f == cluster]
            hits = sum(1 for p in inside if p == theme)
            if hits >= 3 and hits / len(inside) >= 0.6:
                recovered += 1
                break
    return ari, nmi, recovered, len(themes)


def leaks(call: Call, text: str, roster: tuple[RosterEntry, ...]) -> tuple[int, int]:
    """Names (any part of 2+ letters) and six-word runs of contributions found in ``text``."""
    folded = " ".join(re.findall(r"\w+", fold(text)))
    names = 0
    for person in [e.name for e in roster] + sorted(call.unlisted):
        for part in re.split(r"[\s-]+", person):
            if len(part) >= 2 and re.search(rf"\b{re.escape(fold(part))}\b", folded):
                names += 1
    runs = 0
    for _, items in call.prompts:
        for line, _theme in items:
            body = _SPEAKER.sub(r"\2", line)
            words = re.findall(r"\w+", fold(body))
            for i in range(len(words) - 5):
                if f" {' '.join(words[i : i + 6])} " in f" {folded} ":
                    runs += 1
                    break
    return names, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", nargs="+", type=Path, default=sorted(EVAL.glob("call*.txt")))
    args = parser.parse_args()
    calls = [load(path) for path in args.calls]
    methods = ("default", "tfidf", "random")
    rows: list[tuple[str, str, str, dict[str, tuple[float, float, int, int]]]] = []
    seconds: Counter[str] = Counter()
    chat_in_themes = 0
    leaked = [0, 0]
    for call in calls:
        notes, truth, speakers = notes_of(call)
        roster = roster_of(call, speakers)
        parsed = read_notes(notes, source=f"{call.name}.md", roster=roster)
        data = HarvestInput(title=call.name, prompts=parsed.prompts, roster=roster)
        results = {}
        for method in ("default", "tfidf"):
            start = time.perf_counter()
            reflection = harvest(data, encoder=TfidfEncoder() if method == "tfidf" else None)
            seconds[method] += time.perf_counter() - start
            results[method] = reflection_data(reflection)
        for index, (prompt, _items) in enumerate(call.prompts):
            lines = sorted(line for line, (p, t) in truth.items() if p == index and t != NOISE)
            planted = [truth[line][1] for line in lines]
            chat = [line for line, (p, t) in truth.items() if p == index and t == NOISE]
            chat_in_themes += sum(
                1 for f in assignment(results["default"], index, chat) if not f.startswith("o")
            )
            per = {m: scores(planted, assignment(results[m], index, lines)) for m in results}
            rng = random.Random(f"{call.name}:{index}")
            k = len(set(planted))
            per["random"] = scores(planted, [f"t{rng.randrange(k)}" for _ in planted])
            rows.append((call.name, call.split, prompt, per))
        private = HarvestInput(
            title=call.name,
            prompts=parsed.prompts,
            roster=tuple(RosterEntry(id=e.id, name=e.name, consent_quote=False) for e in roster),
            privacy_mode=PrivacyMode.CHATHAM_HOUSE,
        )
        reflection = harvest(private)
        output = render_markdown(reflection) + json.dumps(reflection_data(reflection))
        names, runs = leaks(call, output.replace(f"# {call.name}", ""), roster)
        leaked[0] += names
        leaked[1] += runs

    header = f"{'call':<6} {'split':<8} {'prompt':<44}" + "".join(
        f" {m + ' ARI':>12} {'NMI':>5} {'found':>5}" for m in methods
    )
    print(header)
    for name, split, prompt, per in rows:
        cells = "".join(
            f" {per[m][0]:>12.2f} {per[m][1]:>5.2f} {per[m][2]:>3}/{per[m][3]}" for m in methods
        )
        print(f"{name:<6} {split:<8} {prompt[:44]:<44}{cells}")
    for split in ("tune", "holdout", "all"):
        chosen = [r for r in rows if split in ("all", r[1])]
        if not chosen:
            continue
        cells = ""
        for m in methods:
            ari = float(np.mean([r[3][m][0] for r in chosen]))
            nmi = float(np.mean([r[3][m][1] for r in chosen]))
            found = sum(r[3][m][2] for r in chosen)
            total = sum(r[3][m][3] for r in chosen)
            cells += f" {ari:>12.2f} {nmi:>5.2f} {found:>2}/{total}"
        print(f"{'mean':<6} {split:<8} {'(' + str(len(chosen)) + ' prompts)':<44}{cells}")
    base = max(seconds["tfidf"], 1e-9)
    print(
        f"\nseconds for {len(calls)} calls: default {seconds['default']:.2f}, "
        f"tfidf {seconds['tfidf']:.2f} (default/tfidf {seconds['default'] / base:.1f}x)"
    )
    print(f"chat lines that reached a theme: {chat_in_themes}")
    print(
        f"Chatham House, nobody consenting: names in output {leaked[0]}, "
        f"six-word runs of a contribution in output {leaked[1]}"
    )


if __name__ == "__main__":
    main()
