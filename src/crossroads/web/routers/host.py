"""Host pages: convenings, the agenda editor, invites, roster and calendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from crossroads.convenings import (
    calls,
    invitations,
    joining,
    mailing,
    planning,
    safety,
    series,
)
from crossroads.convenings.calendar import calendar_file
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.planning import Plan
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.settings import Settings
from crossroads.store.records import ConveningRecord, PrivacyMode, RoundKind
from crossroads.web.auth import DbDep, HostDep, NowDep, SettingsDep
from crossroads.web.forms import ConveningForm, RoundForm, field_errors, form_body, form_values
from crossroads.web.responses import (
    PAGE_RESPONSES,
    csv_download,
    file_responses,
    ics_download,
    render,
)
from crossroads.web.security import verify_csrf

router = APIRouter(
    prefix="/host",
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)
MAX_ROSTER_BYTES = 5 * 1024 * 1024


def _events(request: Request) -> Events:
    """The publisher the planning use cases announce their changes through."""
    publisher: Events = request.app.state.publisher
    return publisher


def links_for(settings: Settings) -> InviteLinks:
    return InviteLinks(base_url=settings.public_base_url, secret_key=settings.resolved_secret_key)


async def read_roster(request: Request, roster: UploadFile, host_id: int) -> bytes:
    """Counts one roster upload against the host's limits, then reads the file.

    Both roster routes (personal links as CSV, invitations by mail) take the same
    upload, so the limits and the 5 MB cap live here once. Reading one byte past the
    cap tells an over-size file apart without holding more of it in memory.
    """
    await request.app.state.rate_limits.hit_roster(request, host_id)
    await request.app.state.rate_limits.hit_invites(host_id)
    data = await roster.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        raise FieldInvalid("roster", N_("The file is larger than 5 MB."))
    return data


def _form_defaults(convening: ConveningRecord | None) -> dict[str, Any]:
    if convening is None:
        return {
            "timezone": "UTC",
            "duration_minutes": 90,
            "languages": ["en"],
            "privacy_mode": PrivacyMode.NAMED.value,
        }
    local = convening.starts_at.astimezone(ZoneInfo(convening.timezone))
    return {
        "title": convening.title,
        "description": convening.description,
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "timezone": convening.timezone,
        "duration_minutes": convening.duration_minutes,
        "languages": list(convening.languages),
        "plenary_url": convening.plenary_url,
        "code_of_conduct": convening.code_of_conduct,
        "privacy_mode": convening.privacy_mode.value,
        "call_mode": convening.call_mode,
        **{
            f"tr_{field}_{lang}": text
            for lang, texts in convening.translations.items()
            for field, text in texts.items()
        },
    }


@router.get("")
async def dashboard(request: Request, db: DbDep, host: HostDep) -> Response:
    convenings = await planning.list_convenings(db, host)
    counts = await mailing.dashboard_counts(db, host)
    return render(
        request,
        "host/dashboard.html",
        {"host": host, "convenings": convenings, "counts": counts},
    )


@router.get("/convenings/new")
async def new_convening(request: Request, host: HostDep) -> Response:
    return render(
        request,
        "host/convening_form.html",
        {"host": host, "convening": None, "values": _form_defaults(None), "errors": {}},
    )


@router.post("/convenings", openapi_extra=form_body(ConveningForm))
async def create_convening(request: Request, db: DbDep, host: HostDep, now: NowDep) -> Response:
    values = form_values(await request.form())
    try:
        form = ConveningForm.model_validate(values)
    except ValidationError as exc:
        context = {"host": host, "convening": None, "values": values, "errors": field_errors(exc)}
        return render(request, "host/convening_form.html", context, status=422)
    convening = await planning.create_convening(db, host, form.to_fields(), now=now)
    return RedirectResponse(f"/host/convenings/{convening.public_id}", status_code=303)


@router.get("/convenings/{public_id}")
async def convening_page(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    links = links_for(settings)
    invite = await invitations.shared_invite(
        db, host, public_id, links, now=now, days=settings.invite_days
    )
    participants = await joining.participants_for_host(db, plan)
    removed = await joining.removed_for_host(db, plan)
    personal = await invitations.personal_invites(db, host, public_id)
    return render(
        request,
        "host/convening.html",
        {
            "host": host,
            "plan": plan,
            "invite_url": links.url(invite),
            "invite_expires": invite.expires_at,
            "participants": participants,
            "removed": removed,
            "personal_count": len(personal),
            "round_kinds": list(RoundKind),
            "series": await series.series_of(db, plan.convening.id),
            "round_topics": await series.topics_by_round(db, plan),
        },
    )


@router.get("/convenings/{public_id}/live")
async def live_console(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    """The host console; everything on it runs over the host's live socket."""
    plan = await planning.get_plan_for_host(db, host, public_id)
    return render(request, "host/console.html", {"host": host, "plan": plan})


async def _zoom_round(
    request: Request, public_id: str, db: Any, host: Any, settings: Settings, now: Any
) -> calls.ZoomRound:
    hub = request.app.state.hub
    plan = await planning.get_plan_for_host(db, host, public_id)
    return await calls.zoom_round(
        db,
        host,
        public_id,
        present=await hub.present_everywhere(plan.convening.id),
        now=now,
        grace=timedelta(seconds=settings.wrap_up_seconds),
    )


@router.get("/convenings/{public_id}/zoom")
async def zoom_page(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Breakout rooms for Zoom (#7): the pre-assignment CSV and who has no email in it."""
    plan = await planning.get_plan_for_host(db, host, public_id)
    zoom = await _zoom_round(request, public_id, db, host, settings, now)
    return render(request, "host/zoom.html", {"host": host, "plan": plan, "zoom": zoom})


@router.get(
    "/convenings/{public_id}/zoom.csv",
    response_class=Response,
    responses=file_responses("text/csv"),
)
async def zoom_csv(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    zoom = await _zoom_round(request, public_id, db, host, settings, now)
    return csv_download(
        zoom.assignment.csv_text, f"zoom-breakouts-{public_id}-round-{zoom.run_number}.csv"
    )


@router.get("/convenings/{public_id}/edit")
async def edit_convening(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    return render(
        request,
        "host/convening_form.html",
        {
            "host": host,
            "convening": plan.convening,
            "values": _form_defaults(plan.convening),
            "errors": {},
        },
    )


@router.post("/convenings/{public_id}", openapi_extra=form_body(ConveningForm))
async def update_convening(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    values = form_values(await request.form())
    try:
        form = ConveningForm.model_validate(values)
    except ValidationError as exc:
        context = {
            "host": host,
            "convening": plan.convening,
            "values": values,
            "errors": field_errors(exc),
        }
        return render(request, "host/convening_form.html", context, status=422)
    # The details and their translations are saved together: a bad translation changes
    # nothing. People already connected get the change over their live socket (#31).
    await planning.update_convening(
        db, _events(request), host, public_id, form.to_fields(), translations=values
    )
    return RedirectResponse(f"/host/convenings/{public_id}", status_code=303)


async def _agenda_response(
    request: Request, plan: Plan, errors: dict[str, str] | None = None
) -> Response:
    """htmx swaps the agenda fragment in; without JavaScript the browser goes back to the page.
    (People already in the lobby got the changed agenda over their live socket: the planning
    use case announced it, #31.)"""
    if request.headers.get("hx-request") == "true":
        return render(
            request,
            "host/_agenda.html",
            {"plan": plan, "round_kinds": list(RoundKind), "errors": errors or {}},
            status=422 if errors else 200,
        )
    if errors:
        raise FieldInvalid(*next(iter(errors.items())))
    return RedirectResponse(f"/host/convenings/{plan.convening.public_id}#agenda", status_code=303)


async def _round_form(request: Request) -> RoundForm | dict[str, str]:
    values = form_values(await request.form())
    try:
        return RoundForm.model_validate(values)
    except ValidationError as exc:
        return field_errors(exc)


@router.post("/convenings/{public_id}/rounds", openapi_extra=form_body(RoundForm))
async def add_round(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    form = await _round_form(request)
    if isinstance(form, dict):
        return await _agenda_response(
            request, await planning.get_plan_for_host(db, host, public_id), form
        )
    plan = await planning.add_round(
        db,
        _events(request),
        host,
        public_id,
        title=form.title,
        kind=form.kind,
        group_size=form.group_size,
        duration_minutes=form.duration_minutes,
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/rounds/{round_id}", openapi_extra=form_body(RoundForm))
async def update_round(
    request: Request, public_id: str, round_id: str, db: DbDep, host: HostDep
) -> Response:
    form = await _round_form(request)
    if isinstance(form, dict):
        return await _agenda_response(
            request, await planning.get_plan_for_host(db, host, public_id), form
        )
    # The round and its title's translations are saved together: a bad one changes nothing.
    plan = await planning.update_round(
        db,
        _events(request),
        host,
        public_id,
        round_id=round_id,
        title=form.title,
        kind=form.kind,
        group_size=form.group_size,
        duration_minutes=form.duration_minutes,
        title_translations=form_values(await request.form()),
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/rounds/{round_id}/move")
async def move_round(
    request: Request, public_id: str, round_id: str, db: DbDep, host: HostDep
) -> Response:
    form = await request.form()
    offset = -1 if form.get("direction") == "up" else 1
    plan = await planning.move_round(
        db, _events(request), host, public_id, round_id=round_id, offset=offset
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/rounds/{round_id}/delete")
async def remove_round(
    request: Request, public_id: str, round_id: str, db: DbDep, host: HostDep
) -> Response:
    plan = await planning.remove_round(db, _events(request), host, public_id, round_id=round_id)
    return await _agenda_response(request, plan)


def _prompt_texts(values: dict[str, Any]) -> dict[str, str]:
    return {
        key.removeprefix("text_"): str(value)
        for key, value in values.items()
        if key.startswith("text_")
    }


@router.post("/convenings/{public_id}/rounds/{round_id}/prompts")
async def add_prompt(
    request: Request, public_id: str, round_id: str, db: DbDep, host: HostDep
) -> Response:
    texts = _prompt_texts(form_values(await request.form()))
    plan = await planning.add_prompt(
        db, _events(request), host, public_id, round_id=round_id, texts=texts
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/prompts/{prompt_id}")
async def update_prompt(
    request: Request, public_id: str, prompt_id: str, db: DbDep, host: HostDep
) -> Response:
    texts = _prompt_texts(form_values(await request.form()))
    plan = await planning.update_prompt(
        db, _events(request), host, public_id, prompt_id=prompt_id, texts=texts
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/prompts/{prompt_id}/move")
async def move_prompt(
    request: Request, public_id: str, prompt_id: str, db: DbDep, host: HostDep
) -> Response:
    form = await request.form()
    offset = -1 if form.get("direction") == "up" else 1
    plan = await planning.move_prompt(
        db, _events(request), host, public_id, prompt_id=prompt_id, offset=offset
    )
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/prompts/{prompt_id}/delete")
async def remove_prompt(
    request: Request, public_id: str, prompt_id: str, db: DbDep, host: HostDep
) -> Response:
    plan = await planning.remove_prompt(db, _events(request), host, public_id, prompt_id=prompt_id)
    return await _agenda_response(request, plan)


@router.post("/convenings/{public_id}/invite/renew")
async def renew_invite(
    request: Request, public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    await request.app.state.rate_limits.hit_invites(host.id)
    await invitations.shared_invite(
        db, host, public_id, links_for(settings), now=now, days=settings.invite_days, renew=True
    )
    return RedirectResponse(f"/host/convenings/{public_id}#invite", status_code=303)


@router.post(
    "/convenings/{public_id}/roster",
    response_class=Response,
    responses=file_responses("text/csv"),
)
async def upload_roster(
    request: Request,
    public_id: str,
    roster: UploadFile,
    db: DbDep,
    host: HostDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    data = await read_roster(request, roster, host.id)
    text = await invitations.import_roster(
        db,
        host,
        public_id,
        links_for(settings),
        data,
        now=now,
        days=settings.invite_days,
        max_rows=settings.max_roster_rows,
    )
    return csv_download(text, f"personal-links-{public_id}.csv")


@router.get(
    "/convenings/{public_id}/personal-links.csv",
    response_class=Response,
    responses=file_responses("text/csv"),
)
async def personal_links(
    public_id: str, db: DbDep, host: HostDep, settings: SettingsDep
) -> Response:
    invites = await invitations.personal_invites(db, host, public_id)
    text = invitations.personal_links_csv(invites, links_for(settings))
    return csv_download(text, f"personal-links-{public_id}.csv")


@router.get(
    "/convenings/{public_id}/calendar.ics",
    response_class=Response,
    responses=file_responses("text/calendar"),
)
async def host_calendar(
    public_id: str, db: DbDep, host: HostDep, settings: SettingsDep, now: NowDep
) -> Response:
    plan = await planning.get_plan_for_host(db, host, public_id)
    links = links_for(settings)
    invite = await invitations.shared_invite(
        db, host, public_id, links, now=now, days=settings.invite_days
    )
    return ics_download(calendar_file(plan, join_url=links.url(invite), now=now))


@router.get("/convenings/{public_id}/reports")
async def reports_page(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    """Reports participants made about people they met; only hosts ever see them."""
    plan = await planning.get_plan_for_host(db, host, public_id)
    reports = await safety.reports_for_host(db, plan)
    context = {"host": host, "plan": plan, "reports": reports, "reasons": safety.REASON_LABELS}
    context["attempts"] = await safety.rejoin_attempts_for_host(db, plan)
    return render(request, "host/reports.html", context)


@router.get("/convenings/{public_id}/reports/list")
async def reports_list(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    """The same list as a fragment, polled by the host console (with its actions, #29)."""
    plan = await planning.get_plan_for_host(db, host, public_id)
    reports = await safety.reports_for_host(db, plan)
    context = {"plan": plan, "reports": reports, "reasons": safety.REASON_LABELS, "actions": True}
    context["attempts"] = await safety.rejoin_attempts_for_host(db, plan)
    return render(request, "host/_reports.html", context)
