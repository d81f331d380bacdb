"""Time to harvest a reflection note from synthetic notes, per stage, with a baseline ratio.

Usage: .venv/bin/python bench/harvest.py [--participants 200 1000 2000 5000] [--runs 3]

Each participant writes one contribution to each of 3 prompts (the planted corpus of the unit
tests, scaled up), answers feedback, and is on the roster. Stages: harvest (themes, quotes,
feedback, intersections), Markdown, DOCX (with charts), PDF (with charts). The baseline is the
TF-IDF vectorisation alone of the same contributions, measured in the same run; the ratio says
how much the whole pipeline costs on top of the cheapest step it cannot skip. Not a pass/fail test.

The planted corpus repeats its sentences, and the harvest encodes each distinct text once: so
that the sentence embeddings cost what a real call's would, every contribution and feedback
answer gets a word of its own ("... (note 17)") unless ``--repeats`` is given. The first
harvest of the run loads the model (``load`` column); the timed ones reuse it, as a server does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from tests.unit.harvest.corpus import sample_input  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from crossroads.harvest import HarvestInput, harvest  # noqa: E402
from crossroads.harvest.markdown import render_markdown  # noqa: E402
from crossroads.harvest.model import Contribution, FeedbackAnswer, PromptNotes  # noqa: E402
from crossroads.harvest.pdf import render_pdf  # noqa: E402
from crossroads.harvest.word import render_docx  # noqa: E402

_cpu: list[float] = []


def _median(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall-clock seconds; the median CPU seconds of the process go to ``_cpu``.

    On a shared machine the wall clock includes waiting for a core; CPU time is what the work
    itself costs, and what the wall clock would be on a free core (the harvest is one thread).
    """
    times, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    _cpu.append(statistics.median(cpu))
    return statistics.median(times), result


def _unique(data: HarvestInput) -> HarvestInput:
    """Every text distinct, at about the same length (see the module docstring)."""
    counter = iter(range(10**9))

    def tag(text: str) -> str:
        return f"{text} (note {next(counter)})" if text else text

    prompts = tuple(
        PromptNotes(
            p.prompt_id,
            p.prompt_text,
            tuple(Contribution(c.prompt_id, tag(c.text), c.author_id) for c in p.contributions),
        )
        for p in data.prompts
    )
    feedback = tuple(
        FeedbackAnswer(a.author_id, a.rating, tag(a.energising), tag(a.improve), tag(a.drill_into))
        for a in data.feedback
    )
    return HarvestInput(**{**data.__dict__, "prompts": prompts, "feedback": feedback})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[200, 1000, 2000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeats", action="store_true", help="keep the corpus' repeated texts")
    args = parser.parse_args()
    start = time.perf_counter()
    warm = harvest(sample_input(participants=20))  # loads the model, warms imports and caches
    load = time.perf_counter() - start
    print(f"engine: {warm.engine}{' (fallback: ' + warm.fallback + ')' if warm.fallback else ''}")
    print(f"first harvest, with the model's load: {load:.2f} s")
    print(
        f"{'people':>7} {'contribs':>8} {'tfidf':>7} {'harvest':>8} {'md':>6} {'docx':>6} "
        f"{'pdf':>6} {'total':>7} {'harvest/tfidf':>13} {'cpu total':>9}"
    )
    for participants in args.participants:
        data = sample_input(participants=participants)
        if not args.repeats:
            data = _unique(data)
        texts = [c.text for p in data.prompts for c in p.contributions]

        def baseline(texts: list[str] = texts) -> object:
            with threadpool_limits(limits=1):
                return TfidfVectorizer().fit_transform(texts)

        _cpu.clear()
        tfidf, _ = _median(baseline, args.runs)
        took, reflection = _median(lambda data=data: harvest(data), args.runs)
        md, _ = _median(lambda r=reflection: render_markdown(r), args.runs)
        docx, _ = _median(lambda r=reflection: render_docx(r), args.runs)
        pdf, _ = _median(lambda r=reflection: render_pdf(r), args.runs)
        total = took + md + docx + pdf
        print(
            f"{participants:>7} {len(texts):>8} {tfidf:>7.3f} {took:>8.3f} {md:>6.3f} "
            f"{docx:>6.3f} {pdf:>6.3f} {total:>7.3f} {took / tfidf:>13.1f} {sum(_cpu[1:]):>9.3f}"
        )


if __name__ == "__main__":
    main()
