"""The demo convening: a host, an agenda, sample participants and links to try."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crossroads.convenings import (
    access,
    hosts,
    invitations,
    joining,
    mailing,
    planning,
    reflections,
)
from crossroads.convenings.invitations import InviteLinks
from crossroads.live.publisher import Events
from crossroads.notes import tokens
from crossroads.notes.reading import section_name
from crossroads.notes.writer import NotesWriter
from crossroads.store.database import Database
from crossroads.store.notes import PendingUpdate
from crossroads.store.records import (
    ConveningFields,
    ParticipantRecord,
    PrivacyMode,
    ProfileFields,
    RoundKind,
)

DEMO_HOST_EMAIL = "host@demo.crossroads.local"

SAMPLE_PEOPLE: tuple[ProfileFields, ...] = tuple(
    ProfileFields(
        display_name=name,
        organisation=org,
        movements=tuple(movements.split(";")),
        region=region,
        languages=tuple(languages.split(";")),
        about=about,
        consent_listed=True,
        consent_quoted=index % 3 != 0,
    )
    for index, (name, org, movements, region, languages, about) in enumerate(
        [
            (
                "Amara",
                "Coastal Women's Network",
                "climate;gender",
                "West Africa",
                "en;fr",
                "Organising fisherwomen against offshore drilling.",
            ),
            (
                "Bilal",
                "Tenants Together",
                "housing",
                "Europe",
                "en",
                "Fighting evictions with tenant unions.",
            ),
            (
                "Camila",
                "Red de Semillas Libres",
                "food sovereignty;land",
                "South America",
                "es;en",
                "Seed banks run by small farmers.",
            ),
            (
                "Dinh",
                "Mekong Watch",
                "water;climate",
                "South-East Asia",
                "en",
                "Monitoring dams on the Mekong.",
            ),
            (
                "Élodie",
                "Solidarité Migrants",
                "migration",
                "Europe",
                "fr;en",
                "Legal aid at the border.",
            ),
            (
                "Farid",
                "Digital Rights Collective",
                "digital rights",
                "Middle East",
                "en;fr",
                "Protecting activists' phones.",
            ),
            (
                "Grace",
                "Care Workers United",
                "labour;gender",
                "East Africa",
                "en",
                "Unionising domestic workers.",
            ),
            (
                "Hugo",
                "Cooperativa La Minga",
                "solidarity economy",
                "Central America",
                "es",
                "Worker-owned coffee cooperatives.",
            ),
            (
                "Inés",
                "Observatorio Minero",
                "land;extractivism",
                "South America",
                "es;en",
                "Documenting mining conflicts.",
            ),
            (
                "Jae",
                "Green Transit Alliance",
                "climate;transport",
                "East Asia",
                "en",
                "Free public transport campaigns.",
            ),
            (
                "Kofi",
                "Youth for Debt Justice",
                "debt justice",
                "West Africa",
                "en;fr",
                "Campaigning to cancel illegitimate debt.",
            ),
            (
                "Lucía",
                "Casa de las Mujeres",
                "gender;migration",
                "North America",
                "es;en",
                "Shelter and organising for migrant women.",
            ),
        ]
    )
)


# What the sample participants said in the rounds, by prompt (in agenda order), one line each
# in SAMPLE_PEOPLE order, typed into the shared notes as "Name: text" so the note can quote
# those who agreed. Themes are planted so the draft has something to find.
SAMPLE_NOTES: tuple[tuple[str, ...], ...] = (
    (
        "My grandmother lost her fishing grounds to an oil spill, and the women organised first.",
        "My family was evicted when I was twelve; the landlord doubled the rent overnight.",
        "Seeds were always shared in my village until a company patented our maize.",
        "The dam flooded my uncle's village and nobody asked the people who lived there.",
        "I crossed two borders myself and legal aid was what saved my family.",
        "A friend was arrested because of what was on her phone; I learned to protect activists.",
        "My mother cleaned houses for thirty years without a contract or a pension.",
        "Our cooperative began when coffee prices collapsed and families had nothing.",
        "A mine poisoned the river where my family fished, and the land defenders stood up.",
        "Floods in my city hit the poorest districts first, and buses stopped running there.",
        "My country pays more for debt than for schools and hospitals together.",
        "Women arriving at the border had nowhere safe to sleep, so we opened a shelter.",
    ),
    (
        "Fisherwomen stopped an offshore drilling licence in court this year.",
        "We won a rent freeze for forty thousand homes after two years of tenant organising.",
        "Farmers opened twelve new community seed banks across the region.",
        "The court ordered a new impact study of the dam after our water monitoring.",
        "A court ruled that pushbacks at the border are illegal, a legal victory for migrants.",
        "We trained three hundred organisers to encrypt their phones and protect their data.",
        "Domestic workers won their first collective contract with a minimum wage.",
        "Our coffee cooperative now sells directly to buyers and pays fair wages.",
        "A mining concession was cancelled after communities documented the river pollution.",
        "Our campaign won free public transport for students in three cities.",
        "Our campaign got parliament to audit the illegitimate debt for the first time.",
        "The shelter housed two hundred migrant women and their children this year.",
    ),
    (
        "Climate and gender meet where women fishers lose their livelihoods to drilling.",
        "Housing and climate meet when floods push rents up in the safer neighbourhoods.",
        "Land and water are one struggle: mining and dams take both from the same farmers.",
        "Water and land defenders share the same fight against dams and mines.",
        "Migration and climate meet because floods and droughts push people to move.",
        "Every movement here needs digital security to protect its members and data.",
        "Care work and gender meet labour rights: women carry the unpaid work of every crisis.",
        "Solidarity economy means fair wages and cooperatives for farmers and workers alike.",
        "Mines take water and land from the same communities that dams displace.",
        "Free transport is climate policy and housing policy at the same time.",
        "Debt forces governments to sell land and water to mining companies.",
        "Women migrants do the care work that keeps other movements going.",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoLinks:
    host_login_url: str
    host_email: str
    host_password: str
    convening_url: str
    shared_invite_url: str
    personal_invite_urls: tuple[tuple[str, str], ...]
    public_id: str = ""
    simulated_sessions: tuple[str, ...] = ()
    notes_tokens: tuple[str, ...] = ()
    prompt_ids: tuple[str, ...] = ()
    reflection_url: str = ""


async def _type_sample_notes(
    db: Database, room: str, prompt_ids: Sequence[str], people: Sequence[ParticipantRecord]
) -> None:
    """Write the sample notes through the notes writer, as the sample participants typed them."""
    from pycrdt import Doc, Text

    doc = Doc()
    writer = NotesWriter(db)
    try:
        for prompt_id, lines in zip(prompt_ids, SAMPLE_NOTES, strict=False):
            for person, line in zip(people, lines, strict=False):
                before = doc.get_state()
                text = doc.get(section_name(prompt_id), type=Text)
                text += f"{person.display_name}: {line}\n"
                update = doc.get_update(before)
                # One document, one epoch: each line builds on the ones before.
                await writer.write(
                    PendingUpdate(room=room, data=update, author=f"p{person.id}"), epoch=1
                )
    finally:
        await writer.close()


async def create_demo(
    db: Database, links: InviteLinks, *, now: datetime | None = None
) -> DemoLinks:
    now = now or datetime.now(UTC)
    password = secrets.token_urlsafe(12)
    host = await hosts.create_host(
        db, email=DEMO_HOST_EMAIL, display_name="Demo host", password=password, now=now
    )
    convening = await planning.create_convening(
        db,
        host,
        ConveningFields(
            title="Crossroads demo: where does our work meet?",
            description="A 90-minute call of the coalition: two rounds in pairs, then a plenary.",
            starts_at=(now + timedelta(minutes=5)).replace(second=0, microsecond=0),
            timezone="UTC",
            duration_minutes=90,
            languages=("en", "es", "fr"),
            plenary_url="https://meet.jit.si/crossroads-demo-plenary",
            code_of_conduct="Listen generously. Speak from your own experience. "
            "What is said here stays here unless the speaker agreed to be quoted.",
            privacy_mode=PrivacyMode.NAMED,
        ),
        now=now,
    )
    pid = convening.public_id
    agenda = [
        (
            "Meet someone new",
            RoundKind.PAIRS,
            2,
            12,
            [
                {
                    "en": "What brought you to this work?",
                    "es": "¿Qué te trajo a este trabajo?",
                    "fr": "Qu'est-ce qui vous a amené à ce travail ?",
                },
                {
                    "en": "What is one win from this year?",
                    "es": "¿Cuál es un logro de este año?",
                    "fr": "Quelle est une victoire de cette année ?",
                },
            ],
        ),
        (
            "Where our work meets",
            RoundKind.SMALL_GROUPS,
            3,
            15,
            [
                {
                    "en": "Where does your work intersect with your partners'?",
                    "es": "¿Dónde se cruza tu trabajo con el de tus compañeras?",
                    "fr": "Où votre travail croise-t-il celui de vos partenaires ?",
                },
            ],
        ),
        ("Closing plenary", RoundKind.PLENARY, 0, 15, []),
    ]
    events = Events()  # seeding: nobody is connected to be told
    for title, kind, size, minutes, prompts in agenda:
        plan = await planning.add_round(
            db, events, host, pid, title=title, kind=kind, group_size=size, duration_minutes=minutes
        )
        round_id = plan.rounds[-1].public_id
        for texts in prompts:
            await planning.add_prompt(db, events, host, pid, round_id=round_id, texts=texts)

    shared = await invitations.shared_invite(db, host, pid, links, now=now, days=30)
    shared_token = links.token(shared)
    sessions = []
    notes_tokens: list[str] = []
    joined_people = []
    for person in SAMPLE_PEOPLE:
        joined = await joining.join_convening(db, shared_token, person, coc_accepted=True, now=now)
        joined_people.append(joined)
        # Each sample participant gets a session so a simulated client can act for them.
        sessions.append(await access.start_session(db, now=now, days=1, participant_id=joined.id))
        notes_tokens.append(tokens.mint(links.secret_key, f"p{joined.id}", pid))
    roster = b"name,email,organisation,language\n" + b"".join(
        f"{name},{name.lower()}@demo.crossroads.local,{org},{lang}\n".encode()
        for name, org, lang in [
            ("Noor", "Water Commons", "en"),
            ("Olivia", "Fair Trade Network", "en"),
            ("Pablo", "Sindicato Verde", "es"),
        ]
    )
    await invitations.import_roster(db, host, pid, links, roster, now=now, days=30, max_rows=100)
    # Their invitations are mailed as soon as the server runs (the demo's SMTP server prints them).
    await mailing.queue_invitations(db, host, pid, reminders=(), now=now)
    personal = await invitations.personal_invites(db, host, pid)
    base = links.base_url.rstrip("/")
    prompt_ids = tuple(
        p.public_id
        for r in (await planning.get_plan_by_id(db, convening.id)).rounds
        for p in r.prompts
    )
    # The demo's rounds end with a reflection note: the sample notes, harvested into a draft
    # the newcomer can edit, publish and export (and regenerate after running rounds).
    await _type_sample_notes(db, pid, prompt_ids, joined_people)
    await reflections.generate_note(db, host, pid, language="en", now=now)
    return DemoLinks(
        host_login_url=f"{base}/login?next=/host/convenings/{pid}",
        host_email=DEMO_HOST_EMAIL,
        host_password=password,
        convening_url=f"{base}/host/convenings/{pid}",
        shared_invite_url=links.url(shared),
        personal_invite_urls=tuple((invite.name, links.url(invite)) for invite in personal),
        public_id=pid,
        simulated_sessions=tuple(sessions),
        notes_tokens=tuple(notes_tokens),
        prompt_ids=prompt_ids,
        reflection_url=f"{base}/host/convenings/{pid}/reflection",
    )
