"""Participant pages: the invite link, the profile form, and the lobby."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from crossroads.convenings import access, joining, mailing, planning, safety, venues
from crossroads.convenings.calendar import calendar_file
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.tokens import new_token
from crossroads.settings import Settings
from crossroads.store.records import ParticipantRecord
from crossroads.web.auth import (
    PARTICIPANT_COOKIE,
    DbDep,
    NowDep,
    ParticipantDep,
    SettingsDep,
    set_session_cookie,
)
from crossroads.web.forms import ProfileForm, ReportForm, field_errors, form_body, form_values
from crossroads.web.i18n import gettext as _
from crossroads.web.responses import PAGE_RESPONSES, file_responses, ics_download, render
from crossroads.web.security import fresh_csrf_token, secure_cookies_for, verify_csrf

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)


# A long-lived random marker per browser, set when the join form is opened (#26): the server
# keeps only its hash per convening, so it says "this browser joined as that person" and
# nothing else. It outlives the session, so a removed person cannot come back from the same
# browser through another link, and a block follows them to a new row.
BROWSER_COOKIE = "crossroads_browser"
BROWSER_DAYS = 400  # the longest cookie lifetime browsers keep
_MARKER = re.compile(r"^[A-Za-z0-9_-]{32}$")


def browser_marker(request: Request) -> tuple[str, bool]:
    """The browser's marker, and whether it is new (to be set on the response)."""
    marker = request.cookies.get(BROWSER_COOKIE, "")
    if _MARKER.match(marker):
        return marker, False
    return new_token(), True


def set_browser_marker(
    response: Response, request: Request, marker: str, settings: Settings
) -> None:
    response.set_cookie(
        BROWSER_COOKIE,
        marker,
        max_age=BROWSER_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure_cookies_for(settings.secure_cookies, request.url.scheme),
        path="/",
    )


@router.get("/join/{token}")
async def join_page(
    request: Request, token: str, db: DbDep, settings: SettingsDep, now: NowDep, venue: str = ""
) -> Response:
    marker, new_marker = browser_marker(request)
    opened = await joining.open_join_form(
        db, token, now=now, browser=None if new_marker else marker
    )
    invite = opened.invite
    await mailing.note_link_opened(db, invite, now)  # for the host's list of who came (#31)
    values: dict[str, Any] = {
        "display_name": invite.name,
        "organisation": invite.organisation,
        "languages": [invite.language] if invite.language else [],
    }
    places = await venues.join_choices(db, opened.plan)
    # A venue's QR code or table card sets the venue: one scan (#32).
    values["place"] = venue if any(v.public_id == venue for v in places) else ""
    response = render(
        request,
        "participant/join.html",
        {"plan": opened.plan, "token": token, "values": values, "errors": {}, "places": places},
    )
    if new_marker:
        set_browser_marker(response, request, marker, settings)
    return response


@router.post("/join/{token}", openapi_extra=form_body(ProfileForm))
async def join_submit(
    request: Request, token: str, db: DbDep, settings: SettingsDep, now: NowDep
) -> Response:
    await request.app.state.rate_limits.hit_join(request)
    marker, new_marker = browser_marker(request)
    opened = await joining.open_join_form(
        db, token, now=now, browser=None if new_marker else marker
    )
    values = form_values(await request.form())
    try:
        form = ProfileForm.model_validate(values)
        errors: dict[str, str] = {}
    except ValidationError as exc:
        errors = field_errors(exc)
    if not errors and not form.coc_accepted:
        errors["coc_accepted"] = _("Please read and accept the code of conduct to join.")
    places = await venues.join_choices(db, opened.plan)
    try:
        place = venues.chosen_place(places, str(values.get("place", "")))
    except FieldInvalid as exc:
        errors["place"] = _(exc.message)
    if errors:
        return render(
            request,
            "participant/join.html",
            {
                "plan": opened.plan,
                "token": token,
                "values": values,
                "errors": errors,
                "places": places,
            },
            status=422,
        )
    joined = await access.resolve_viewer(db, request.cookies.get(PARTICIPANT_COOKIE), now=now)
    participant = await joining.join_convening(
        db,
        token,
        form.to_fields(),
        coc_accepted=form.coc_accepted,
        now=now,
        current=joined.participant,
        browser=marker,
    )
    if places:
        await venues.record_join_place(db, participant, place)
    session = None
    if joined.participant is None or joined.participant.id != participant.id:
        session = await access.start_session(
            db, now=now, days=settings.session_days, participant_id=participant.id
        )
        fresh_csrf_token(request)  # the lobby below carries the token its cookie will hold
    # The lobby itself, not a redirect to it: on a slow link (400 ms a round trip) that is
    # one round trip less between the form and the live lobby (#10). The page puts its own
    # address in the address bar, so a reload asks for the lobby; a reload that sends the
    # form again (no JavaScript) is the same person, see join_convening.
    public_id = opened.plan.convening.public_id
    view = await joining.lobby_for(db, participant, public_id)
    response = render(
        request,
        "participant/lobby.html",
        {"lobby": view, "page_path": f"/c/{public_id}/lobby"},
    )
    if session is not None:
        set_session_cookie(response, request, PARTICIPANT_COOKIE, session, settings)
    if new_marker:
        set_browser_marker(response, request, marker, settings)
    return response


@router.get("/c/{public_id}/lobby")
async def lobby(request: Request, public_id: str, db: DbDep, you: ParticipantDep) -> Response:
    view = await joining.lobby_for(db, you, public_id)
    return render(request, "participant/lobby.html", {"lobby": view})


@router.get("/c/{public_id}/people")
async def lobby_people(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    view = await joining.lobby_for(db, you, public_id)
    return render(request, "participant/_people.html", {"lobby": view})


@router.get(
    "/c/{public_id}/calendar.ics",
    response_class=Response,
    responses=file_responses("text/calendar"),
)
async def participant_calendar(
    public_id: str, db: DbDep, you: ParticipantDep, settings: SettingsDep, now: NowDep
) -> Response:
    view = await joining.lobby_for(db, you, public_id)
    join_url = f"{settings.public_base_url.rstrip('/')}/c/{public_id}/lobby"
    return ics_download(calendar_file(view.plan, join_url=join_url, now=now))


async def _report_page(
    request: Request,
    db: DbDep,
    you: ParticipantRecord,
    public_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    sent: bool = False,
    status: int = 200,
) -> Response:
    plan = await planning.get_plan_for_participant(db, you, public_id)
    return render(
        request,
        "participant/report.html",
        {
            "plan": plan,
            "met": await safety.people_met(db, you),
            "reasons": safety.REASON_LABELS,
            "values": values,
            "errors": errors,
            "sent": sent,
        },
        status=status,
    )


@router.get("/c/{public_id}/report")
async def report_form(
    request: Request,
    public_id: str,
    db: DbDep,
    you: ParticipantDep,
    participant: str = "",
    sent: bool = False,
) -> Response:
    """Report someone you met to the hosts; ``?participant=`` preselects them."""
    return await _report_page(request, db, you, public_id, {"reported": participant}, {}, sent=sent)


@router.post("/c/{public_id}/report", openapi_extra=form_body(ReportForm))
async def report_submit(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep, now: NowDep
) -> Response:
    await planning.get_plan_for_participant(db, you, public_id)
    values = form_values(await request.form())
    try:
        form = ReportForm.model_validate(values)
    except ValidationError as exc:
        return await _report_page(
            request, db, you, public_id, values, field_errors(exc), status=422
        )
    await safety.report_person(
        db,
        request.app.state.publisher,
        you,
        reported_public_id=form.reported,
        reason=form.reason,
        details=form.details,
        now=now,
    )
    return RedirectResponse(f"/c/{public_id}/report?sent=1", status_code=303)
