"""A fictional demo workshop ("Musterstadt") for trying the kit and for tests.

Generated from a fixed seed so that every run gives the same session: about
25 respondents from all stakeholder groups, all five fields, a realistic spread
of ratings with don't-knows, disagreement on some standards, comments,
changed answers, challenges and an action plan with an edit and a removal.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from dataclasses import replace
from pathlib import Path

from .catalog import Catalog, load_catalog
from .exceptions import SessionError
from .records import Action, ChallengeAnswer, Response, format_timestamp
from .session import SESSION_FILE, Session, create_session, slugify
from .store import SessionStore
from .texts import say

MUNICIPALITY = "Musterstadt (fiktives Beispiel)"
COUNTRY = "DE"
DATE = dt.date(2025, 5, 20)
SEED = 20250520

# stakeholder group -> number of respondents (research has one, so breakdowns must suppress it)
GROUPS = {
    "administration": 5,
    "politics": 3,
    "civil_society": 5,
    "migrant_organisation": 4,
    "business": 3,
    "service_provider": 4,
    "research": 1,
}
# standards on which the administration and politics see far more in place than civil society
DISPUTED = {"GOV-2-1", "GOV-5-3", "EMP-1-3", "EDU-2-2", "HOU-2-1"}
# standards few people know about
INFORMATION_GAPS = {"GOV-3-1", "GOV-4-3", "HEA-2-1", "EDU-3-1"}
# standards that are largely outside local competence
OUTSIDE_COMPETENCE = {"HOU-2-2", "HOU-2-3", "HEA-1-2"}
# Twelve per field, so that a comment fits the field it is made in; a person's comment is drawn as one of
# twelve, and the next one not yet made on the same standard is taken (no comment appears twice there).
COMMENTS: dict[str, tuple[str, ...]] = {
    "governance": (
        "Gibt es nur auf dem Papier.\nIm Alltag merkt man wenig davon.",
        "Läuft gut, hängt aber an einer einzigen engagierten Person.",
        'Der "Runde Tisch" trifft sich, aber ohne die Migrant:innenorganisationen.',
        "Seit 2023 gibt es eine Ansprechperson im Rathaus, das hilft sehr.",
        "Wir wissen nicht, wer dafür zuständig ist – Kreis oder Kommune?",
        "Gute Ansätze, aber keine Finanzierung über 2025 hinaus.",
        "Im Stadtrat umstritten, deshalb wurde es vertagt.",
        "Der Integrationsbeirat wird angehört, aber selten wirklich beteiligt.",
        "Informationen gibt es fast nur auf Deutsch und nur auf der Website.",
        "Zwischen Sozialamt und Ausländerbehörde des Kreises fehlt ein fester Austausch.",
        "Seit der Stellenkürzung kümmert sich niemand mehr systematisch darum.",
        "Ehrenamtliche tragen viel, werden bei Entscheidungen aber kaum einbezogen.",
    ),
    "employment": (
        "Busverbindung ins Gewerbegebiet fehlt, Arbeitgeber:innen suchen dringend Leute.",
        "Sprachkurse B2 nur in der Kreisstadt.\n45 Minuten mit dem Bus, einmal pro Stunde.",
        "Die Anerkennung von Abschlüssen dauert oft über ein Jahr.",
        "Das Jobcenter berät gut, aber Termine gibt es erst nach Wochen.",
        "Kleine Betriebe wissen nicht, welche Papiere sie für eine Einstellung brauchen.",
        "Die Handwerkskammer hat gute Angebote, die kaum jemand kennt.",
        "Ausbildung klappt, wenn es im Betrieb eine Patin oder einen Paten gibt.",
        "Mütter kleiner Kinder erreichen die Angebote kaum – es fehlt Kinderbetreuung.",
        "Berufssprachkurse und Schichtarbeit passen zeitlich nicht zusammen.",
        "Mehrsprachigkeit wird in den Betrieben eher als Problem gesehen.",
        "Praktika gibt es, aber danach fehlt oft der Übergang in eine Stelle.",
        "Unklar, wer die Betriebe zu Arbeitserlaubnissen berät.",
    ),
    "education": (
        "Die Schule macht viel.\nDie Eltern erreichen wir trotzdem schlecht.",
        "Kita-Plätze fehlen, neu zugezogene Familien stehen ganz hinten auf der Liste.",
        "Die Sprachförderung endet, bevor die Kinder im Unterricht mitkommen.",
        "Elternabende mit Dolmetschen gab es einmal, dann nicht mehr.",
        "Schulsozialarbeit gibt es nur an der Grundschule.",
        "Lehrkräfte wünschen sich Fortbildungen, finden aber keine Zeit dafür.",
        "Jugendliche über 16 fallen oft durch alle Raster.",
        "Die Bibliothek bietet Hausaufgabenhilfe an, das wird gut angenommen.",
        "Für Seiteneinsteiger:innen gibt es nur eine Klasse im ganzen Kreis.",
        "Zeugnisse aus dem Herkunftsland werden sehr unterschiedlich bewertet.",
        "Mehrsprachige Elternbriefe wären einfach umzusetzen.",
        "Ohne Schulbus ist der Schulweg für viele Familien ein Problem.",
    ),
    "health": (
        "Dolmetschen übernehmen meist Ehrenamtliche oder die Kinder.\nDas ist keine Lösung.",
        "Neue Patient:innen nimmt im Ort kaum noch eine Praxis auf.",
        "Psychotherapie für traumatisierte Geflüchtete: Wartezeit über ein Jahr.",
        "Die Gesundheitskarte hat vieles vereinfacht.",
        "Informationen zu Impfungen gibt es nur auf Deutsch.",
        "Das Gesundheitsamt bemüht sich, ist aber personell am Limit.",
        "Der Weg zur Fachärztin in der Kreisstadt ist ohne Auto kaum machbar.",
        "Hebammen und Kinderärzt:innen sind gut vernetzt, das hilft Familien.",
        "Wer welche Leistungen bezahlt, ist für viele nicht nachvollziehbar.",
        "Eine Schulung zu interkultureller Kompetenz gab es bisher nur einmal.",
        "Kulturmittler:innen wären wichtig, aber es gibt keine Finanzierung.",
        "Die Notaufnahme wird genutzt, weil Hausarztpraxen fehlen.",
    ),
    "housing": (
        "Wohnungen gibt es, aber Vermieter:innen lehnen oft ab, sobald der Name fremd klingt.",
        "Die Gemeinschaftsunterkunft liegt am Ortsrand, ohne Busanbindung.",
        "Leerstand gibt es genug, aber die Wohnungen müssten saniert werden.",
        "Der Nachbarschaftstreff ist ein echter Gewinn für das Viertel.",
        "Große Familien finden fast nie eine passende Wohnung.\nDie Wohnungen im Ort sind zu klein.",
        "Die Wohnungsbaugesellschaft arbeitet gut mit dem Sozialamt zusammen.",
        "Wohnberechtigungsschein: lange Wartezeiten, wenig Information.",
        "Beim Stadtentwicklungskonzept wurden Zugewanderte nicht gefragt.",
        "Beratung bei Mietschulden gibt es nur im Landratsamt.",
        "Sprachcafé und Sportverein bringen Alteingesessene und Neuzugezogene zusammen.",
        "Die dezentrale Unterbringung hat sich bewährt.",
        "Im Neubaugebiet fehlen Spielplätze und Grünflächen.",
    ),
}
ACTIONS = [
    (
        "A1",
        "governance",
        ("GOV-1-1", "GOV-1-2"),
        "Integrationskonzept mit Zeitplan erarbeiten und im Stadtrat beschließen",
        "Fachbereich Soziales mit Integrationsbeirat",
        "2025-12-15",
    ),
    (
        "A2",
        "housing",
        ("HOU-2-6",),
        "Sprechstunde für private Vermieter:innen einrichten",
        "Wohnungsamt und Diakonie",
        "2025-09-30",
    ),
    (
        "A3",
        "health",
        ("HEA-3-1",),
        "Pool kostenloser Dolmetscher:innen für Arztpraxen aufbauen",
        "Gesundheitsamt des Kreises",
        "2026-03-31",
    ),
    ("A4", "education", ("EDU-2-3",), "Mehrsprachige Infomappe zum Schulsystem erstellen", "Schulamt", "2025-08-31"),
    (
        "A5",
        "employment",
        ("EMP-4-1", "EMP-4-2"),
        "Beratungsangebot für kleine Betriebe zur Einstellung Geflüchteter",
        "Wirtschaftsförderung und Handwerkskammer",
        "2025-11-30",
    ),
]


def _respondent_ids(rng: random.Random, count: int) -> list[str]:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    ids: set[str] = set()
    while len(ids) < count:
        ids.add("R-" + "".join(rng.choice(alphabet) for _ in range(4)))
    return sorted(sorted(ids), key=lambda _: rng.random())  # from a set in a fixed order: the same ids on every run


def _existing_demo(folder: Path) -> bool:
    try:
        return bool(json.loads((folder / SESSION_FILE).read_text(encoding="utf-8")).get("demo"))
    except (OSError, ValueError):
        return False


def create_demo(directory: Path | str = "workshops", catalog: Catalog | None = None) -> Session:
    """Create (or re-create) the demo session in ``directory`` and fill it with answers."""
    catalog = catalog or load_catalog()
    folder = Path(directory) / f"{COUNTRY.lower()}-{slugify(MUNICIPALITY)}-{DATE.isoformat()}"
    if folder.exists():
        if not _existing_demo(folder):
            raise SessionError(say("demo.not_a_demo", folder=folder))
        shutil.rmtree(folder)
    start = dt.datetime.combine(DATE, dt.time(9, 0), tzinfo=dt.UTC)
    session = create_session(
        municipality=MUNICIPALITY,
        country=COUNTRY,
        size="small_town",
        date=DATE,
        fields="all",
        language="de",
        directory=directory,
        demo=True,
        catalog=catalog,
        now=start - dt.timedelta(hours=1),
    )
    store = SessionStore.open(session, catalog)
    rng = random.Random(SEED)
    levels = {s.id: rng.uniform(0.4, 2.6) for s in catalog.standards}
    challenge_odds = {c.id: rng.uniform(0.15, 0.9) for c in catalog.challenges}
    people = [group for group, n in GROUPS.items() for _ in range(n)]
    ids = _respondent_ids(rng, len(people))
    changed: list[Response] = []
    commented: dict[str, set[str]] = {}

    for n, (respondent, group) in enumerate(zip(ids, people, strict=True)):
        clock = start + dt.timedelta(minutes=3 * n)
        fields = ["governance", *rng.sample([f for f in catalog.field_ids if f != "governance"], rng.randint(2, 4))]
        answers: list[Response] = []
        challenges: list[ChallengeAnswer] = []
        for field in catalog.fields:
            if field.id not in fields:
                continue
            for standard in field.standards:
                clock += dt.timedelta(seconds=rng.randint(15, 70))
                answers.append(
                    _answer(
                        rng, session, catalog, respondent, group, standard.id, levels[standard.id], clock, commented
                    )
                )
            for challenge in field.challenges:
                clock += dt.timedelta(seconds=rng.randint(5, 20))
                odds = challenge_odds[challenge.id]
                applies = rng.choices(["yes", "no", "unsure"], [odds, 1 - odds, 0.15])[0]
                challenges.append(
                    ChallengeAnswer(
                        session.session_id, respondent, group, challenge.id, applies, format_timestamp(clock)
                    )
                )
        store.append(answers)
        store.append(challenges)
        # a few people change their mind later in the workshop: a new row, the old one stays
        for answer in rng.sample(answers, 2):
            if answer.response == "rated" and answer.rating is not None:
                new_rating = min(3, max(0, answer.rating + rng.choice([-1, 1])))
                later = start + dt.timedelta(hours=2, minutes=n)
                changed.append(replace(answer, rating=new_rating, recorded_at=format_timestamp(later)))
    store.append(changed)

    plan_time = start + dt.timedelta(hours=3)
    actions = [
        Action(aid, field, standards, text, who, due, "planned", format_timestamp(plan_time + dt.timedelta(minutes=i)))
        for i, (aid, field, standards, text, who, due) in enumerate(ACTIONS)
    ]
    edits = [
        replace(actions[0], status="in_progress", recorded_at=format_timestamp(plan_time + dt.timedelta(minutes=30))),
        replace(actions[3], status="removed", recorded_at=format_timestamp(plan_time + dt.timedelta(minutes=31))),
    ]
    store.append(actions + edits)
    return session


def _answer(
    rng: random.Random,
    session: Session,
    catalog: Catalog,
    respondent: str,
    group: str,
    standard_id: str,
    level: float,
    clock: dt.datetime,
    commented: dict[str, set[str]],
) -> Response:
    dont_know = 0.45 if standard_id in INFORMATION_GAPS else (0.12 if group in ("business", "politics") else 0.05)
    not_applicable = 0.3 if standard_id in OUTSIDE_COMPETENCE else 0.02
    roll = rng.random()
    rating: int | None = None
    if roll < dont_know:
        response = "dont_know"
    elif roll < dont_know + not_applicable:
        response = "not_applicable"
    else:
        response = "rated"
        bias = 0.0
        if standard_id in DISPUTED:
            bias = 1.3 if group in ("administration", "politics") else -1.3
        rating = min(3, max(0, round(level + bias + rng.gauss(0, 0.6))))
    priority = ""
    if rng.random() < 0.55:
        high = 0.65 if rating is not None and rating <= 1 else 0.2
        priority = rng.choices(["high", "medium", "low"], [high, 0.5, 0.3])[0]
    comment = ""
    if rng.random() < 0.07:
        pool = COMMENTS[catalog.standard(standard_id).field_id]
        first = rng.randrange(len(pool))
        made = commented.setdefault(standard_id, set())
        comment = next((c for c in pool[first:] + pool[:first] if c not in made), pool[first])
        made.add(comment)
    return Response(
        session_id=session.session_id,
        respondent_id=respondent,
        stakeholder_group=group,
        field_id=catalog.standard(standard_id).field_id,
        standard_id=standard_id,
        rating=rating,
        response=response,
        priority=priority,
        comment=comment,
        recorded_at=format_timestamp(clock),
        language="de",
        catalog_version=catalog.version,
    )
