"""Table shapes. Nothing outside ``crossroads.store`` imports this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crossroads.store.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}  # noqa: RUF012  read once by SQLAlchemy, never mutated


class HostAccount(Base):
    __tablename__ = "host_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class WebSession(Base):
    """A login (host) or a joined participant's browser; the cookie holds the raw token."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host_account.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Convening(Base):
    __tablename__ = "convening"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("host_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    languages: Mapped[list[str]]
    plenary_url: Mapped[str] = mapped_column(String(500), default="")
    code_of_conduct: Mapped[str] = mapped_column(Text, default="")
    privacy_mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    call_mode: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at: Mapped[datetime]
    # {"es": {"title": ..., "description": ..., "code_of_conduct": ...}}: the host's
    # translations for the call's other languages; the original shows where one is missing.
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class Round(Base):
    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convening.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    group_size: Mapped[int]
    duration_minutes: Mapped[int]
    # {"es": "Conocer a alguien"}: the round's title in the call's other languages.
    title_translations: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )


class Prompt(Base):
    __tablename__ = "prompt"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    position: Mapped[int]
    # {"en": "What ...?", "es": "¿Qué ...?"}: one text per convening language.
    texts: Mapped[dict[str, Any]]


class Invite(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convening.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token is derived from this salt with the server secret (see convenings/tokens.py),
    # so the host can see a link again while the database alone cannot rebuild it.
    salt: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Participant(Base):
    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    convening_id: Mapped[int] = mapped_column(ForeignKey("convening.id", ondelete="CASCADE"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(320), default="")
    organisation: Mapped[str] = mapped_column(String(120), default="")
    movements: Mapped[list[str]]
    region: Mapped[str] = mapped_column(String(80), default="")
    languages: Mapped[list[str]]
    about: Mapped[str] = mapped_column(String(200), default="")
    consent_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_quoted: Mapped[bool] = mapped_column(Boolean, default=False)
    coc_accepted_at: Mapped[datetime]
    joined_at: Mapped[datetime]


# --- Live rounds -----------------------------------------------------------------------------
# Round state lives here, not in memory: any node rebuilds a participant's view from these rows.


class LiveState(Base):
    """One row per convening that went live: the event sequence and the round being run."""

    __tablename__ = "live_state"
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, default=0)
    current_run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    ended_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class RoundRun(Base):
    """One running of an agenda round: when it started and when its conversation time ends."""

    __tablename__ = "round_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class LiveGroup(Base):
    __tablename__ = "live_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("round_run.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    topic: Mapped[str] = mapped_column(String(120), default="")
    shared_languages: Mapped[list[str]]
    needs_interpretation: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]]
    compromises: Mapped[list[str]]


class LiveMember(Base):
    """A participant's seat in a group; ``away`` keeps the seat of someone who dropped out so
    the group is theirs again when they come back."""

    __tablename__ = "live_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("round_run.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("live_group.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    away: Mapped[bool] = mapped_column(Boolean, default=False)


class LiveBroadcast(Base):
    __tablename__ = "live_broadcast"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class HelpCall(Base):
    __tablename__ = "help_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("round_run.id", ondelete="SET NULL"))
    group_number: Mapped[int | None]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class SittingOut(Base):
    """Participants who chose to sit the next rounds out (until they come back in)."""

    __tablename__ = "sitting_out"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime]


# --- Shared notes ----------------------------------------------------------------------------
# An append-only log of Yjs updates per room, plus one merged snapshot that compaction writes.


class NotesUpdate(Base):
    __tablename__ = "notes_update"
    # SQLite would otherwise reuse the ids compaction deleted (migration 0010).
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(primary_key=True)  # the monotonic order of the log
    room: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    author: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime]


class NotesSnapshot(Base):
    __tablename__ = "notes_snapshot"
    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    upto: Mapped[int]  # the last update id merged into ``data``
    updated_at: Mapped[datetime]


class NotesLock(Base):
    """A section (one prompt's root text) the host closed to edits after its round."""

    __tablename__ = "notes_lock"
    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    section: Mapped[str] = mapped_column(String(80), primary_key=True)
    locked_at: Mapped[datetime]


class NotesAttribution(Base):
    """Who wrote which runs of each section's text as of the snapshot (JSON), kept in step
    with ``notes_snapshot`` by compaction: the log's authors are gone once rows are merged."""

    __tablename__ = "notes_attribution"
    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)


# --- Safety ----------------------------------------------------------------------------------


class ParticipantBlock(Base):
    """Someone asked never to be grouped with someone else again."""

    __tablename__ = "participant_block"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    blocker_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class ParticipantRemoval(Base):
    """A host removed this participant: no session, no socket, no seat, no re-join."""

    __tablename__ = "participant_removal"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    removed_at: Mapped[datetime]


class PersonMark(Base):
    """What ties participant rows to one person (#26): the digest of the browser's marker
    cookie or of their normalised e-mail, per convening (``convenings/joining.py`` makes it;
    the raw values are never stored). Rows sharing a digest are one person: a removal is
    refused at the door and a block follows them to a new row."""

    __tablename__ = "person_mark"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "browser" or "email"
    digest: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]


class RejoinAttempt(Base):
    """A removed person tried to join again and was turned away; the hosts see these.
    One row per person, way of recognising them and kind of link, counting the tries."""

    __tablename__ = "rejoin_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    matched: Mapped[str] = mapped_column(String(10))  # "browser", "email" or "link"
    invite_kind: Mapped[str] = mapped_column(String(10))
    tries: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]


class ParticipantReport(Base):
    """Someone told the hosts about a person they met; only hosts ever read these."""

    __tablename__ = "participant_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    reported_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(Text, default="")
    # The round in which the two were last grouped together: the context hosts need.
    run_number: Mapped[int | None]
    created_at: Mapped[datetime]
    # A host looked at it and dismissed it (#29): kept, but no longer one to act on.
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)


class ParticipantMute(Base):
    """A host muted this participant: their note edits are refused until unmuted."""

    __tablename__ = "participant_mute"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    muted_at: Mapped[datetime]


# --- Reflection note -------------------------------------------------------------------------


class ReflectionNote(Base):
    """The harvested note of a convening: the host's edited sections, draft or published."""

    __tablename__ = "reflection_note"
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(10))
    # [{"key", "heading", "level", "body", "charts": [...]}]: see harvest/sections.py.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


# --- After the call: feedback, follow-up interests, series (#9) -----------------------------


class Series(Base):
    """Convenings that follow each other: they share pairing history and a retention rule."""

    __tablename__ = "series"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("host_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    # Days after a call's end when its participants' personal data is erased; 0 keeps it.
    retention_days: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class SeriesMember(Base):
    """A convening's place in a series (a convening is in at most one)."""

    __tablename__ = "series_member"
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]


class SeriesConsent(Base):
    """A participant agreed to be recognised by email in the next calls of the series."""

    __tablename__ = "series_consent"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class RoundTopic(Base):
    """A topic a topic-groups round offers; people are grouped by the topic they chose."""

    __tablename__ = "round_topic"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(60))


class FeedbackQuestion(Base):
    """A question of a convening's feedback form; a convening without rows uses the defaults."""

    __tablename__ = "feedback_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(300), default="")  # empty: the default's words


class FeedbackResponse(Base):
    """One participant's answers, keyed by question key; editable until they delete them."""

    __tablename__ = "feedback_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), unique=True
    )
    answers: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime]


class FollowUpInterest(Base):
    """An issue a participant wants to drill into in a later call."""

    __tablename__ = "follow_up_interest"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]


class ConnectionOptIn(Base):
    """A participant wants suggestions of people to connect with, and to be suggested."""

    __tablename__ = "connection_opt_in"
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class ConnectionRequest(Base):
    """``from_id`` would like an introduction to ``to_id``; when both asked, it is made."""

    __tablename__ = "connection_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    from_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class ChatMessage(Base):
    """A line of a group's text chat, the last-resort channel of a pair call (#7); kept for
    the round, harvested only when ``consented``."""

    __tablename__ = "chat_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("round_run.id", ondelete="CASCADE"))
    group_number: Mapped[int]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


# --- Mail (#31) ------------------------------------------------------------------------------
# Invitations and reminders are jobs in the database, not in memory: any node may send one,
# a lease says which node is at it, and a job survives restarts until it is sent or given up.


class MailJob(Base):
    __tablename__ = "mail_job"
    __table_args__ = (UniqueConstraint("invite_id", "kind", name="uq_mail_job_invite_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    invite_id: Mapped[int] = mapped_column(ForeignKey("invite.id", ondelete="CASCADE"))
    # "invitation" or "reminder:<minutes before>"
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    due_at: Mapped[datetime] = mapped_column(index=True)
    # queued, sent, failed (given up, shown to the host) or cancelled (unsubscribed)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str] = mapped_column(String(100), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class MailOptOut(Base):
    """A person who followed the unsubscribe link of one convening's mail."""

    __tablename__ = "mail_opt_out"

    invite_id: Mapped[int] = mapped_column(
        ForeignKey("invite.id", ondelete="CASCADE"), primary_key=True
    )
    reported_abuse: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class InviteOpened(Base):
    """When a personal link was first opened (for the host's list of who came)."""

    __tablename__ = "invite_opened"

    invite_id: Mapped[int] = mapped_column(
        ForeignKey("invite.id", ondelete="CASCADE"), primary_key=True
    )
    opened_at: Mapped[datetime]


# --- Hybrid gatherings (#32) -------------------------------------------------------------------


class Venue(Base):
    """A room where people meet in person during a convening, with its numbered tables."""

    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    convening_id: Mapped[int] = mapped_column(
        ForeignKey("convening.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    room: Mapped[str] = mapped_column(String(120), default="")
    tables: Mapped[list[str]]
    # The projector's capability: whoever holds the link sees that venue's read-only view.
    projector_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class VenuePresence(Base):
    """A participant who is in a venue's room (no row: online)."""

    __tablename__ = "venue_presence"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    # Added by the host for someone without a phone: never their table's call device.
    no_phone: Mapped[bool] = mapped_column(Boolean, default=False)


class RoundMode(Base):
    """How a round of a convening with venues meets: online, in person or mixed."""

    __tablename__ = "round_mode"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(20))
