"""A planted test corpus: 60 participants' notes over 3 prompts (English, Spanish, French).

Each prompt has four planted themes; a participant's contribution is one opener and one detail of
their theme, drawn with a seeded ``random.Random``, so the labels are known and the text varies.
"""

from __future__ import annotations

import random

from crossroads.harvest.model import (
    Contribution,
    FeedbackAnswer,
    HarvestInput,
    PrivacyMode,
    PromptNotes,
    RosterEntry,
)

PARTICIPANTS = 60

# prompt id -> (prompt text, {theme label: (openers, details)})
PLANTED: dict[str, tuple[str, dict[str, tuple[list[str], list[str]]]]] = {
    "p1": (
        "Where does your work meet the climate crisis?",
        {
            "climate": (
                [
                    "Flooding and heatwaves hit our neighbourhoods first.",
                    "Climate justice means the polluters pay for the floods.",
                    "Our coastal communities lose homes to rising seas and storms.",
                    "Drought is destroying the harvest of small farmers.",
                    "Fossil fuel companies keep expanding while the climate burns.",
                ],
                [
                    "We organise frontline communities against new gas pipelines.",
                    "Emissions from the refinery poison the air our children breathe.",
                    "We demand a fossil fuel phase-out and climate reparations.",
                    "Heat and floods are the climate emergency we live every summer.",
                    "Climate adaptation money never reaches the frontline villages.",
                ],
            ),
            "housing": (
                [
                    "Rents doubled and tenants are being evicted every week.",
                    "Our tenants union fights evictions by landlords.",
                    "Speculators buy empty flats while families sleep in cars.",
                    "Social housing waiting lists are ten years long.",
                    "Landlords refuse repairs and raise the rent anyway.",
                ],
                [
                    "We need rent control and an end to evictions.",
                    "Tenants organise rent strikes against the landlord.",
                    "Public housing must be built instead of luxury flats.",
                    "Eviction defence teams stand at the door with tenants.",
                    "Affordable housing is a right, not an investment for landlords.",
                ],
            ),
            "labour": (
                [
                    "Warehouse workers walked out over unsafe shifts.",
                    "Our trade union organises delivery riders and drivers.",
                    "Wages stay flat while the company posts record profits.",
                    "Care workers are striking for a living wage.",
                    "Gig workers have no sick pay and no contract.",
                ],
                [
                    "Workers need the right to join a union without being fired.",
                    "The strike won a wage rise and safer shifts for workers.",
                    "Collective bargaining is how workers win fair wages.",
                    "Union organisers meet workers at the depot at dawn.",
                    "We build strike funds so workers can hold the picket line.",
                ],
            ),
            "migration": (
                [
                    "Migrants and refugees face detention at the border.",
                    "Undocumented people fear deportation when they seek help.",
                    "Asylum seekers wait years for papers in camps.",
                    "Border police push back refugees at sea.",
                    "Migrant families are separated by deportation orders.",
                ],
                [
                    "We run legal clinics for asylum and residence papers.",
                    "Solidarity networks hide migrants from deportation raids.",
                    "Close the detention centres and regularise undocumented migrants.",
                    "Refugees need safe routes instead of deadly border walls.",
                    "Migrant rights groups accompany people to asylum hearings.",
                ],
            ),
        },
    ),
    "p2": (
        "¿Qué necesita tu comunidad de esta coalición?",
        {
            "vivienda": (
                [
                    "Los alquileres suben y los desahucios no paran en el barrio.",
                    "Las inquilinas se organizan contra los desahucios.",
                    "Los fondos buitre compran viviendas y echan a las familias.",
                    "La vivienda social es escasa y las listas de espera eternas.",
                    "Los caseros no arreglan nada y suben el alquiler.",
                ],
                [
                    "Necesitamos control de alquileres y parar los desahucios.",
                    "El sindicato de inquilinas defiende cada vivienda amenazada.",
                    "Exigimos vivienda pública y digna para todas las familias.",
                    "Paramos desahucios en la puerta con las vecinas.",
                    "La vivienda es un derecho y no un negocio de caseros.",
                ],
            ),
            "agua": (
                [
                    "La sequía seca los ríos y los pozos del pueblo.",
                    "Las mineras contaminan el agua de las comunidades.",
                    "El agua potable llega solo dos días por semana.",
                    "La privatización del agua subió las tarifas.",
                    "Los glaciares se derriten y el agua desaparece.",
                ],
                [
                    "Defendemos el agua como bien común frente a las mineras.",
                    "Exigimos agua potable y limpia para cada comunidad.",
                    "Las comunidades vigilan los ríos contra la contaminación.",
                    "Queremos gestión comunitaria del agua sin privatización.",
                    "El derecho al agua está por encima de las ganancias mineras.",
                ],
            ),
            "trabajo": (
                [
                    "Las trabajadoras del hogar no tienen contrato ni seguro.",
                    "Los salarios no alcanzan y las jornadas son eternas.",
                    "El sindicato organiza a repartidores y jornaleras.",
                    "Despiden a quien se afilia al sindicato.",
                    "Las temporeras trabajan sin descanso en el campo.",
                ],
                [
                    "Necesitamos salario digno y contratos para las trabajadoras.",
                    "La huelga consiguió mejores salarios y jornadas justas.",
                    "Queremos libertad sindical sin despidos.",
                    "El sindicato acompaña a cada trabajadora despedida.",
                    "Organizamos cajas de resistencia para la huelga.",
                ],
            ),
            "migrantes": (
                [
                    "Las personas migrantes viven con miedo a la deportación.",
                    "En la frontera detienen a familias migrantes.",
                    "Los solicitantes de asilo esperan años sus papeles.",
                    "La policía hace redadas contra migrantes sin papeles.",
                    "Las familias migrantes son separadas en la frontera.",
                ],
                [
                    "Pedimos regularización de las personas migrantes sin papeles.",
                    "Acompañamos a migrantes en sus trámites de asilo.",
                    "Cerrar los centros de detención de migrantes es urgente.",
                    "Redes de apoyo protegen a migrantes de las redadas.",
                    "Queremos rutas seguras y asilo digno para migrantes.",
                ],
            ),
        },
    ),
    "p3": (
        "Quelle action commune proposez-vous pour l'année qui vient ?",
        {
            "climat": (
                [
                    "Les canicules et les inondations frappent les quartiers populaires.",
                    "La justice climatique exige que les pollueurs paient.",
                    "Les industries fossiles continuent d'étendre leurs forages.",
                    "La sécheresse ruine les petits agriculteurs.",
                    "Le climat se dérègle et les plus pauvres en paient le prix.",
                ],
                [
                    "Nous proposons une campagne contre les projets fossiles.",
                    "Une marche pour la justice climatique dans chaque ville.",
                    "Bloquer les nouveaux forages et exiger la sortie des fossiles.",
                    "Financer l'adaptation climatique des quartiers populaires.",
                    "Relier les luttes climatiques des villes et des campagnes.",
                ],
            ),
            "logement": (
                [
                    "Les loyers explosent et les expulsions se multiplient.",
                    "Les locataires s'organisent contre les expulsions.",
                    "Les propriétaires laissent les logements insalubres.",
                    "Le logement social manque partout.",
                    "Les familles sont expulsées de leur logement en hiver.",
                ],
                [
                    "Nous proposons un encadrement des loyers et la fin des expulsions.",
                    "Une union des locataires dans chaque immeuble.",
                    "Construire du logement social digne et abordable.",
                    "Empêcher les expulsions avec les voisins devant la porte.",
                    "Le logement est un droit et pas une marchandise.",
                ],
            ),
            "travail": (
                [
                    "Les salariés des entrepôts font grève pour leur sécurité.",
                    "Les livreurs n'ont ni contrat ni protection sociale.",
                    "Les salaires stagnent tandis que les profits grimpent.",
                    "Les aides-soignantes sont épuisées et mal payées.",
                    "Le syndicat est réprimé dans les usines.",
                ],
                [
                    "Nous proposons une grève commune pour les salaires.",
                    "Syndiquer les livreurs et les salariés précaires.",
                    "Une caisse de grève partagée entre syndicats.",
                    "Des salaires dignes et des contrats stables pour les salariés.",
                    "Défendre le droit syndical dans chaque entreprise.",
                ],
            ),
            "migrations": (
                [
                    "Les personnes exilées sont enfermées en centre de rétention.",
                    "Les sans-papiers craignent les expulsions du territoire.",
                    "Les demandeurs d'asile attendent des années une réponse.",
                    "La police refoule les exilés à la frontière.",
                    "Les mineurs isolés dorment dehors sans protection.",
                ],
                [
                    "Nous proposons la régularisation de tous les sans-papiers.",
                    "Accueillir les exilés dans des réseaux de solidarité.",
                    "Fermer les centres de rétention administrative.",
                    "Accompagner les demandeurs d'asile dans leurs démarches.",
                    "Ouvrir des voies de passage sûres pour les exilés.",
                ],
            ),
        },
    ),
}

MOVEMENTS = ["climate justice", "housing", "labour", "migrants' rights"]
REGIONS = ["West Africa", "Andes", "Western Europe", "South Asia", "Caribbean"]
FIRST = ["Ana", "Bilal", "Chiara", "Dmitri", "Esperanza", "Farida", "Gustavo", "Hana", "Idris"]
LAST = ["Okafor", "Quispe", "Moreau", "Haddad", "Nakamura", "Ferreira", "Lindqvist"]


def roster(participants: int = PARTICIPANTS) -> tuple[RosterEntry, ...]:
    rng = random.Random(7)
    entries = []
    for i in range(participants):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}{i}"
        entries.append(
            RosterEntry(
                id=f"u{i}",
                name=name,
                organisation=f"Collective {LAST[i % len(LAST)]} {i}",
                movements=(MOVEMENTS[i % 4], *((MOVEMENTS[(i + 1) % 4],) if i % 5 == 0 else ())),
                region=REGIONS[i % len(REGIONS)],
                languages=("en", rng.choice(["es", "fr", "pt"])),
                consent_quote=i % 3 != 0,
            )
        )
    return tuple(entries)


def planted_notes(
    participants: int = PARTICIPANTS, seed: int = 1
) -> tuple[tuple[PromptNotes, ...], dict[str, list[str]]]:
    """The prompts' notes, and per prompt the planted label of each contribution in order."""
    rng = random.Random(seed)
    prompts, labels = [], {}
    for prompt_id, (prompt_text, themes) in PLANTED.items():
        names = sorted(themes)
        contributions, planted = [], []
        for i in range(participants):
            label = names[(i + rng.randrange(4)) % 4]
            openers, details = themes[label]
            text = f"{rng.choice(openers)} {rng.choice(details)}"
            contributions.append(Contribution(prompt_id, text, f"u{i}"))
            planted.append(label)
        prompts.append(PromptNotes(prompt_id, prompt_text, tuple(contributions)))
        labels[prompt_id] = planted
    return tuple(prompts), labels


def feedback(participants: int = PARTICIPANTS) -> tuple[FeedbackAnswer, ...]:
    energising = [
        "Meeting people from other movements in pairs was energising.",
        "The pairs conversations with someone new gave me energy.",
        "Hearing how housing and climate struggles connect.",
    ]
    improve = [
        "The rounds were too short to go deep.",
        "More time for each round please.",
        "Interpretation into Spanish would help.",
    ]
    drill = [
        "Joint campaigns on evictions and heat.",
        "How unions can support migrant workers.",
        "Climate reparations.",
    ]
    return tuple(
        FeedbackAnswer(
            author_id=f"u{i}",
            rating=(i % 5) + 1 if i % 7 else None,
            energising=energising[i % 3],
            improve=improve[i % 3],
            drill_into=drill[i % 3],
        )
        for i in range(participants)
    )


def sample_input(
    mode: PrivacyMode = PrivacyMode.NAMED, participants: int = PARTICIPANTS
) -> HarvestInput:
    prompts, _ = planted_notes(participants)
    return HarvestInput(
        title="Crossroads coalition call, spring",
        privacy_mode=mode,
        language="en",
        prompts=prompts,
        feedback=feedback(participants),
        roster=roster(participants),
        rounds=3,
        groups=30,
        minutes=75,
    )
