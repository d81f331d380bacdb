"""Invitations and reminders through a real SMTP server on loopback (aiosmtpd), read back
from what it received: a worker on an injected clock, a real SQLite file, real sockets."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crossroads.convenings import mailing, translations
from crossroads.mail.sink import smtp_sink
from crossroads.store import mail as mail_store
from tests.integration.mail_world import (
    Clock,
    Faulty,
    add_roster,
    drain,
    make_world,
    queue,
    recipients,
    roster_csv,
    unsubscribe_link,
    worker,
)

pytestmark = pytest.mark.integration
START = datetime(2030, 5, 4, 12, 0, tzinfo=UTC)


async def _jobs(db, convening_id: int) -> list[mail_store.MailJobRecord]:
    async with db.transaction() as tx:
        return await mail_store.jobs_for_convening(tx, convening_id)


async def test_invitation_carries_link_calendar_and_unsubscribe(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(3), clock())
    with smtp_sink(Faulty()) as (sink, port):
        assert await queue(db, host, convening, clock) == 3
        mail = worker(db, port, clock)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(3, timeout=10)
    assert sorted(recipients(messages)) == [f"person{i}@example.org" for i in range(3)]
    message = messages[0]
    assert message["Subject"] == "Invitation: Coalition call"
    body = message.get_body(("plain",)).get_content()
    assert "http://127.0.0.1:9/join/" in body
    unsubscribe = unsubscribe_link(message)
    assert unsubscribe.startswith("http://127.0.0.1:9/mail/unsubscribe/")
    assert unsubscribe in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (ics,) = [part for part in message.iter_attachments()]
    assert ics.get_content_type() == "text/calendar"
    assert "DTSTART:20300504T120000Z" in ics.get_content()
    assert {job.status for job in await _jobs(db, convening.id)} == {"sent"}
    await db.dispose()


async def test_queuing_twice_sends_once(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(4), clock())
    with smtp_sink(Faulty()) as (sink, port):
        assert await queue(db, host, convening, clock) == 4
        assert await queue(db, host, convening, clock) == 0
        mail = worker(db, port, clock)
        await drain(mail, clock)
        clock.advance(hours=1)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(4, timeout=10)
    assert len(messages) == 4
    await db.dispose()


async def test_spanish_person_gets_spanish_invitation_and_dates(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(
        tmp_path / "db.sqlite", starts_at=START, timezone="America/Bogota"
    )
    await add_roster(db, host, convening, roster_csv(1, language="es"), clock())
    await translations.save_convening_translations(
        db, host, convening.public_id, {"tr_title_es": "Llamada de la coalición"}
    )
    with smtp_sink(Faulty()) as (sink, port):
        await queue(db, host, convening, clock)
        mail = worker(db, port, clock)
        await drain(mail, clock)
        await mail.sender.close()
        (message,) = sink.wait_for(1, timeout=10)
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Invitación: Llamada de la coalición"
    assert message["Content-Language"] == "es"
    # 12:00 UTC is 07:00 in Bogotá, on a Saturday.
    assert "sábado, 4 de mayo de 2030, 7:00" in body, body
    assert "hora estándar de Colombia" in body
    await db.dispose()


async def test_refused_address_fails_and_shows_while_the_others_go_out(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(5), clock())
    handler = Faulty()
    handler.refuse = {"person2@example.org"}
    with smtp_sink(handler) as (sink, port):
        await queue(db, host, convening, clock)
        mail = worker(db, port, clock)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(4, timeout=10)
    assert sorted(recipients(messages)) == [f"person{i}@example.org" for i in (0, 1, 3, 4)]
    by_recipient = {job.recipient: job for job in await _jobs(db, convening.id)}
    failed = by_recipient["person2@example.org"]
    assert failed.status == "failed"
    assert "550" in failed.last_error
    assert failed.attempts == 1  # a 5xx is final: not tried again
    await db.dispose()


async def test_a_send_cut_by_the_server_resumes_where_it_stopped(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(500), clock())
    handler = Faulty()
    handler.hang_up_after = 200
    with smtp_sink(handler) as (sink, port):
        await queue(db, host, convening, clock)
        mail = worker(db, port, clock, batch=100)
        await drain(mail, clock)
        jobs = await _jobs(db, convening.id)
        retrying = [job for job in jobs if job.status == "queued"]
        # The one message in flight when the server hung up waits for its retry; the
        # connection was opened again for the others.
        assert len(retrying) == 1 and retrying[0].attempts == 1, retrying
        assert len(sink.messages) == 499
        clock.advance(seconds=31)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(500, timeout=10)
    counts = Counter(recipients(messages))
    assert len(counts) == 500 and set(counts.values()) == {1}
    assert {job.status for job in await _jobs(db, convening.id)} == {"sent"}
    await db.dispose()


async def test_unreachable_server_retries_with_back_off_then_fails(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(1), clock())
    await queue(db, host, convening, clock)
    from crossroads.mail.sink import free_port

    mail = worker(db, free_port(), clock, max_attempts=3)  # nothing listens there
    await drain(mail, clock)
    (job,) = await _jobs(db, convening.id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert (job.next_attempt_at - clock()).total_seconds() == 30
    clock.advance(seconds=29)
    assert await mail.run_once() == 0  # not due yet
    clock.advance(seconds=1)
    await drain(mail, clock)
    (job,) = await _jobs(db, convening.id)
    assert (job.status, job.attempts) == ("queued", 2)
    assert (job.next_attempt_at - clock()).total_seconds() == 60
    clock.advance(seconds=60)
    await drain(mail, clock)
    (job,) = await _jobs(db, convening.id)
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.last_error
    await db.dispose()


async def test_slow_server_still_gets_each_message_once(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(3), clock())
    handler = Faulty()
    handler.delay = 0.5
    with smtp_sink(handler) as (sink, port):
        await queue(db, host, convening, clock)
        mail = worker(db, port, clock)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(3, timeout=10)
    assert Counter(recipients(messages)) == {f"person{i}@example.org": 1 for i in range(3)}
    await db.dispose()


async def test_a_slow_server_past_the_timeout_is_retried(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(1), clock())
    handler = Faulty()
    handler.delay = 3.0
    with smtp_sink(handler) as (_sink, port):
        await queue(db, host, convening, clock)
        from crossroads.mail.smtp import SmtpConfig, SmtpSender

        mail = worker(db, port, clock)
        mail.sender = SmtpSender(
            SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=1)
        )
        await drain(mail, clock)
        await mail.sender.close()
    (job,) = await _jobs(db, convening.id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error
    await db.dispose()


@pytest.mark.parametrize(
    ("timezone", "local_start"),
    [
        ("America/Bogota", datetime(2030, 3, 10, 9, 0)),
        ("Europe/Paris", datetime(2030, 3, 31, 10, 0)),  # the day clocks go forward
        ("Asia/Kolkata", datetime(2030, 3, 10, 18, 30)),
    ],
)
async def test_reminders_fire_once_at_their_minute(
    tmp_path: Path, timezone: str, local_start: datetime
) -> None:
    from zoneinfo import ZoneInfo

    start = local_start.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    queued_at = (start - timedelta(hours=26)).replace(minute=0)
    clock = Clock(now=queued_at)
    db, host, convening = await make_world(
        tmp_path / "db.sqlite", starts_at=start, timezone=timezone
    )
    await add_roster(db, host, convening, roster_csv(2), clock())
    with smtp_sink(Faulty()) as (sink, port):
        await queue(db, host, convening, clock, reminders=(1440, 15))
        mail = worker(db, port, clock)
        arrivals: dict[str, list[datetime]] = {}
        while clock() <= start:
            seen = len(sink.messages)
            await drain(mail, clock)
            for message in sink.wait_for(seen, timeout=1)[seen:]:
                arrivals.setdefault(str(message["Subject"]), []).append(clock())
            clock.advance(minutes=1)
        await mail.sender.close()
    # The same wall-clock time the day before, in the call's zone (23 h before in Paris).
    day_before = (local_start - timedelta(days=1)).replace(tzinfo=ZoneInfo(timezone))
    assert arrivals == {
        "Invitation: Coalition call": [queued_at] * 2,
        "Reminder: Coalition call starts in 1 day": [day_before.astimezone(UTC)] * 2,
        "Reminder: Coalition call starts in 15 minutes": [start - timedelta(minutes=15)] * 2,
    }
    await db.dispose()


async def test_unsubscribed_person_gets_nothing_more(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(2), clock())
    with smtp_sink(Faulty()) as (sink, port):
        await queue(db, host, convening, clock, reminders=(15,))
        mail = worker(db, port, clock)
        await drain(mail, clock)
        messages = sink.wait_for(2, timeout=10)
        token = unsubscribe_link(messages[0]).rsplit("/", 1)[-1]
        gone = await mailing.opt_out(db, token, mail.links.secret_key, abuse=True, now=clock())
        clock.now = START - timedelta(minutes=15)
        await drain(mail, clock)
        await mail.sender.close()
        messages = sink.wait_for(3, timeout=10)
    reminded = [str(m["To"].addresses[0].addr_spec) for m in messages[2:]]
    assert reminded and gone.invite.email not in reminded
    with pytest.raises(Exception, match="unknown"):
        await mailing.find_opt_out(db, token[:-1] + "x", mail.links.secret_key)
    await db.dispose()


async def test_a_claimed_job_is_nobody_elses_until_its_lease_runs_out(tmp_path: Path) -> None:
    clock = Clock()
    db, host, convening = await make_world(tmp_path / "db.sqlite", starts_at=START)
    await add_roster(db, host, convening, roster_csv(3), clock())
    await queue(db, host, convening, clock)
    lease = clock() + timedelta(seconds=60)

    async def claim(owner: str) -> list[int]:
        async with db.transaction() as tx:
            jobs = await mail_store.claim_due(
                tx, owner=owner, now=clock(), lease_until=lease, limit=10
            )
        return [job.id for job in jobs]

    first = await claim("node-a:1")
    assert len(first) == 3
    assert await claim("node-b:1") == []
    clock.advance(seconds=61)  # node a died holding them
    assert sorted(await claim("node-b:2")) == sorted(first)
    await db.dispose()
