"""After the call (#9): the feedback form, my data, the host's summary and the series."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from crossroads.convenings import feedback, intersections, personal_data, planning, series
from crossroads.convenings.errors import FieldInvalid
from crossroads.messages import N_
from crossroads.web.auth import (
    PARTICIPANT_COOKIE,
    DbDep,
    HostDep,
    NowDep,
    ParticipantDep,
    SettingsDep,
)
from crossroads.web.forms import Text, field_errors
from crossroads.web.i18n import gettext as _
from crossroads.web.responses import PAGE_RESPONSES, download, file_responses, render
from crossroads.web.routers.host import links_for
from crossroads.web.security import verify_csrf

router = APIRouter(
    dependencies=[Depends(verify_csrf)],
    default_response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
)

GATHERING_LABELS = {
    "in_person": N_("Yes, in person"),
    "hybrid": N_("Yes, if it is hybrid"),
    "online_only": N_("Online only"),
    "not_sure": N_("Not sure yet"),
}


# --- participants ---------------------------------------------------------------------------


@router.get("/c/{public_id}/feedback")
async def feedback_page(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep, saved: int = 0
) -> Response:
    form = await feedback.feedback_form(db, you, public_id)
    return render(
        request,
        "participant/feedback.html",
        {"form": form, "saved": bool(saved), "gathering": GATHERING_LABELS},
    )


@router.post("/c/{public_id}/feedback")
async def feedback_submit(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep, now: NowDep
) -> Response:
    data = await request.form()
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    topics = [t for t in data.getlist("topics") if isinstance(t, str)]
    consent = values.get("series_consent") == "on"
    await feedback.submit_feedback(
        db,
        you,
        public_id,
        values=values,
        topics=topics,
        series_email=values.get("series_email", "") if consent else None,
        now=now,
    )
    return RedirectResponse(f"/c/{public_id}/feedback?saved=1", status_code=303)


@router.get("/c/{public_id}/my-data")
async def my_data_page(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    form = await feedback.feedback_form(db, you, public_id)
    return render(request, "participant/my_data.html", {"form": form})


@router.get(
    "/c/{public_id}/my-data.json",
    response_class=Response,
    responses=file_responses("application/json"),
)
async def my_data_download(public_id: str, db: DbDep, you: ParticipantDep, now: NowDep) -> Response:
    data = await personal_data.export_my_data(db, you, public_id, now=now)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return download(body, media_type="application/json", filename="my-crossroads-data.json")


@router.post("/c/{public_id}/my-data/delete")
async def my_data_delete(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    data = await request.form()
    if data.get("confirm") != "on":
        raise FieldInvalid("confirm", N_("Tick the box to confirm that your data should go."))
    await personal_data.erase_my_data(db, you, public_id)
    response = render(request, "participant/erased.html", {})
    response.delete_cookie(PARTICIPANT_COOKIE, path="/")
    return response


@router.get("/c/{public_id}/connections")
async def connections_page(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep
) -> Response:
    view = await intersections.connections_for(db, you, public_id)
    return render(request, "participant/connections.html", {"view": view})


@router.post("/c/{public_id}/connections/opt-in")
async def connections_opt_in(
    request: Request, public_id: str, db: DbDep, you: ParticipantDep, now: NowDep
) -> Response:
    on = (await request.form()).get("opt_in") == "on"
    await intersections.set_opt_in(db, you, public_id, on=on, now=now)
    return RedirectResponse(f"/c/{public_id}/connections", status_code=303)


@router.post("/c/{public_id}/connections/{other_id}/introduce")
async def connections_introduce(
    public_id: str, other_id: str, db: DbDep, you: ParticipantDep, now: NowDep
) -> Response:
    await intersections.request_introduction(db, you, public_id, other_public_id=other_id, now=now)
    return RedirectResponse(f"/c/{public_id}/connections", status_code=303)


# --- hosts ----------------------------------------------------------------------------------


class QuestionForm(BaseModel):
    label: Text = Field(min_length=1, max_length=feedback.MAX_LABEL)
    kind: str = feedback.TEXT


class NextForm(BaseModel):
    starts_at: str
    topic_group_size: int = Field(default=3, ge=2, le=6)


async def _summary_page(
    request: Request, db: DbDep, host: HostDep, public_id: str, *, errors: dict[str, str]
) -> Response:
    summary = await feedback.feedback_summary(db, host, public_id)
    c = summary.plan.convening
    next_start = (c.starts_at + timedelta(days=28)).astimezone(ZoneInfo(c.timezone))
    return render(
        request,
        "host/feedback.html",
        {
            "host": host,
            "summary": summary,
            "plan": summary.plan,
            "gathering": GATHERING_LABELS,
            "next_start": next_start.strftime("%Y-%m-%dT%H:%M"),
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@router.get("/host/convenings/{public_id}/feedback")
async def host_feedback(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    return await _summary_page(request, db, host, public_id, errors={})


@router.post("/host/convenings/{public_id}/feedback/questions")
async def host_add_question(request: Request, public_id: str, db: DbDep, host: HostDep) -> Response:
    try:
        form = QuestionForm.model_validate(dict(await request.form()))
    except ValidationError as exc:
        return await _summary_page(request, db, host, public_id, errors=field_errors(exc))
    await feedback.add_question(db, host, public_id, label=form.label, kind=form.kind)
    return RedirectResponse(f"/host/convenings/{public_id}/feedback#questions", status_code=303)


@router.post("/host/convenings/{public_id}/feedback/questions/{key}/delete")
async def host_remove_question(public_id: str, key: str, db: DbDep, host: HostDep) -> Response:
    await feedback.remove_question(db, host, public_id, key=key)
    return RedirectResponse(f"/host/convenings/{public_id}/feedback#questions", status_code=303)


@router.post("/host/convenings/{public_id}/next")
async def host_create_next(
    request: Request,
    public_id: str,
    db: DbDep,
    host: HostDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    data = await request.form()
    try:
        form = NextForm.model_validate({k: v for k, v in data.items() if k != "topics"})
    except ValidationError as exc:
        return await _summary_page(request, db, host, public_id, errors=field_errors(exc))
    plan = await planning.get_plan_for_host(db, host, public_id)
    await request.app.state.rate_limits.hit_invites(host.id)
    zone = ZoneInfo(plan.convening.timezone)
    try:
        starts_at = datetime.fromisoformat(form.starts_at).replace(tzinfo=zone)
    except ValueError:
        return await _summary_page(
            request, db, host, public_id, errors={"starts_at": _("Give a date and time.")}
        )
    created = await series.create_next_convening(
        db,
        host,
        public_id,
        starts_at=starts_at,
        topics=[t for t in data.getlist("topics") if isinstance(t, str)],
        topic_group_size=form.topic_group_size,
        topic_round_title=_("Topic groups"),
        links=links_for(settings),
        invite_days=settings.invite_days,
        now=now,
    )
    return RedirectResponse(f"/host/convenings/{created.convening.public_id}", status_code=303)


@router.get("/host/convenings/{public_id}/intersections")
async def host_intersections(
    request: Request, public_id: str, db: DbDep, host: HostDep
) -> Response:
    view = await intersections.map_for_host(db, host, public_id)
    return render(request, "host/intersections.html", {"host": host, "view": view})


@router.get("/host/series/{series_id}")
async def series_page(request: Request, series_id: str, db: DbDep, host: HostDep) -> Response:
    view = await series.series_for_host(db, host, series_id)
    return render(request, "host/series.html", {"host": host, "view": view, "errors": {}})


@router.post("/host/series/{series_id}/retention")
async def series_retention(request: Request, series_id: str, db: DbDep, host: HostDep) -> Response:
    raw = str((await request.form()).get("retention_days", "")).strip()
    if not raw.isdigit():
        raise FieldInvalid("retention_days", N_("Give a whole number of days."))
    await series.set_retention(db, host, series_id, days=int(raw))
    return RedirectResponse(f"/host/series/{series_id}", status_code=303)
