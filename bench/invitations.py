"""Invitations by e-mail: 5,000 queued and sent to a loopback SMTP server, against a plain loop.

    python bench/invitations.py [--people 5000] [--runs 3]

Ours: a roster of ``--people`` rows is imported and its invitations queued in a SQLite file
(as the host's upload does), then the mail worker claims them in batches under a lease,
composes, sends and records them as sent (group commits beside the sending) until none is
due. The baseline, run in the same invocation, is a plain loop over the same SMTP client
(aiosmtplib, one connection) composing and sending the same messages, read from the
database beforehand: no leases, no record of what was sent. Each side runs in a process
of its own (so its peak resident memory is its own), against a sink that runs
in a third process (aiosmtpd, counting what it accepts). Prints, per side, the median over
the runs of messages per second and peak memory, and ours/baseline. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import free_port, wait_listening

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
sys.stdin.read()
c.stop()
print(Count.n)
"""
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


async def _world(path: Path, people: int):  # type: ignore[no-untyped-def]
    from crossroads.convenings import hosts, invitations, mailing, planning
    from crossroads.convenings.invitations import InviteLinks
    from crossroads.store.convenings import ConveningFields
    from crossroads.store.database import Database
    from crossroads.store.records import PrivacyMode

    now = datetime.now(UTC)
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    host = await hosts.create_host(
        db, email="host@example.org", display_name="Hana", password="correct horse battery", now=now
    )
    convening = await planning.create_convening(
        db,
        host,
        ConveningFields(
            title="Coalition call",
            description="We meet to find where our work crosses.",
            starts_at=now + timedelta(days=10),
            timezone="Europe/Paris",
            duration_minutes=90,
            languages=("en", "es"),
            plenary_url="",
            code_of_conduct="Be kind.",
            privacy_mode=PrivacyMode.NAMED,
        ),
        now=now,
    )
    links = InviteLinks(base_url="http://127.0.0.1:9", secret_key=SECRET)
    roster = "name,email,language\n" + "".join(
        f"Person {i},person{i}@example.org,{'es' if i % 3 == 0 else ''}\n" for i in range(people)
    )
    started = time.perf_counter()
    await invitations.import_roster(
        db, host, convening.public_id, links, roster.encode(), now=now, days=30, max_rows=people
    )
    await mailing.queue_invitations(db, host, convening.public_id, reminders=(), now=now)
    queued_in = time.perf_counter() - started
    return db, links, queued_in


async def ours(port: int, people: int, folder: Path) -> dict[str, float]:
    from crossroads.mail.smtp import SmtpConfig, SmtpSender
    from crossroads.mail.worker import MailWorker, WorkerConfig

    db, links, queued_in = await _world(folder / "ours.sqlite", people)
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, security="none"))
    worker = MailWorker(
        db,
        sender,
        links,
        WorkerConfig(node_id="bench", from_address="Calls <calls@example.org>"),
        clock=lambda: datetime.now(UTC),
    )
    started = time.perf_counter()
    sent = 0
    while handled := await worker.run_once():
        sent += handled
    elapsed = time.perf_counter() - started
    await sender.close()
    await db.dispose()
    return {"sent": sent, "seconds": elapsed, "queued_seconds": queued_in}


async def baseline(port: int, people: int, folder: Path) -> dict[str, float]:
    """The same messages, composed first, then sent in a plain loop on one connection."""
    import aiosmtplib

    from crossroads.convenings import mailing
    from crossroads.mail.compose import compose
    from crossroads.store import mail as mail_store

    db, links, _queued = await _world(folder / "baseline.sqlite", people)
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        jobs = await mail_store.claim_due(
            tx, owner="x", now=now, lease_until=now + timedelta(hours=1), limit=people
        )
    letters = list((await mailing.letters_for(db, jobs, links, now=now)).values())
    await db.dispose()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    started = time.perf_counter()
    await client.connect()
    for letter in letters:
        message = compose(letter, sender="Calls <calls@example.org>", now=now)  # type: ignore[arg-type]
        await client.send_message(message)
    await client.quit()
    return {"sent": len(letters), "seconds": time.perf_counter() - started}


def run_side(side: str, people: int) -> dict[str, float]:
    """One side in a child process of its own, against a sink in another."""
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        asyncio.run(wait_listening(port))
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                *("--side", side, "--port", str(port)),
                "--people",
                str(people),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        received, _ = sink.communicate("", timeout=60)
    result["received"] = int(received.strip())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--side", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        with tempfile.TemporaryDirectory() as folder:
            work = ours if args.side == "ours" else baseline
            result = asyncio.run(work(args.port, args.people, Path(folder)))
        # Linux reports ru_maxrss in KiB.
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    rows: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    for run in range(args.runs):
        for side in ("baseline", "ours"):
            result = run_side(side, args.people)
            assert result["received"] == result["sent"] == args.people, result
            rows[side].append(result)
            rate = result["sent"] / result["seconds"]
            print(
                f"run {run + 1} {side:8}: {rate:7.0f} msg/s, "
                f"peak RSS {result['peak_rss_mb']:.0f} MB",
                flush=True,
            )

    def median(side: str, key: str) -> float:
        if key == "rate":
            return statistics.median(r["sent"] / r["seconds"] for r in rows[side])
        return statistics.median(r[key] for r in rows[side])

    print()
    print(f"{args.people} invitations, median of {args.runs} runs")
    print(f"{'':10}{'msg/s':>10}{'peak RSS MB':>14}")
    for side in ("ours", "baseline"):
        print(f"{side:10}{median(side, 'rate'):10.0f}{median(side, 'peak_rss_mb'):14.0f}")
    print(
        f"ours/baseline: {median('ours', 'rate') / median('baseline', 'rate'):.2f} of the rate, "
        f"{median('ours', 'peak_rss_mb') / median('baseline', 'peak_rss_mb'):.2f} of the memory"
    )
    print(
        f"queuing {args.people} (roster import and queue): {median('ours', 'queued_seconds'):.2f} s"
    )


if __name__ == "__main__":
    main()
