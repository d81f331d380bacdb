"""Roster CSV upload: personal links back as CSV; a bad row refuses the whole file."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import Browserish, client_for, create_convening
from tests.servers import LiveServer

pytestmark = pytest.mark.integration


def _upload(host: Browserish, public_id: str, content: bytes):  # type: ignore[no-untyped-def]
    page = f"/host/convenings/{public_id}"
    return host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("roster.csv", content, "text/csv")},
    )


def _links(host: Browserish, public_id: str) -> list[dict[str, str]]:
    text = host.get(f"/host/convenings/{public_id}/personal-links.csv").text
    return list(csv.DictReader(io.StringIO(text)))


def test_roster_upload_returns_one_working_personal_link_per_row(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Roster call")
    roster = (
        b"name,email,organisation,language\n"
        b"Ana,ana@example.org,Tierra Viva,es\n"
        b"Bilal,bilal@example.org,Tenants Together,en\n"
    )

    response = _upload(host, convening.public_id, roster)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["name"], r["email"], r["language"]) for r in rows] == [
        ("Ana", "ana@example.org", "es"),
        ("Bilal", "bilal@example.org", "en"),
    ]
    join_page = client_for(server).get(rows[0]["link"])
    assert join_page.status_code == 200
    assert 'value="Ana"' in join_page.text
    assert _links(host, convening.public_id) == rows


def test_roster_with_malformed_row_is_refused_with_line_number_and_imports_nothing(
    host: Browserish,
) -> None:
    convening = create_convening(host, "Bad roster call")
    roster = (
        b"name,email,organisation,language\n"
        b"Ana,ana@example.org,Tierra Viva,es\n"
        b"Bilal,not-an-email,Tenants Together,en\n"
        b"Chen,chen@example.org,,en\n"
    )

    response = _upload(host, convening.public_id, roster)

    assert response.status_code == 422
    assert "Line 3: email is not an email address. Nothing was imported." in response.text
    assert _links(host, convening.public_id) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,organisation\nAna,X\n", "Line 1: email column is missing from the header."),
        (b"name,email\nAna,ana@example.org\n,bo@example.org\n", "Line 3: name is empty."),
        (b"name,email\nAna,a@example.org\nBo,a@example.org\n", "Line 3: email repeats line 2."),
        (b"name,email,language\nAna,a@example.org,de\n", "Line 2: language is not one of"),
        (b"name,email\nAna,a@example.org,extra\n", "Line 2: row has more cells than the header."),
        # Bytes Windows-1252 leaves undefined: neither UTF-8 nor Excel's Windows encoding.
        (
            b"name,email\n\x81\x8dAna,a@example.org\n",
            "Line 2: file is not UTF-8 or Windows-1252 text.",
        ),
    ],
)
def test_roster_errors_name_the_line_and_field(
    host: Browserish, content: bytes, message: str
) -> None:
    convening = create_convening(host, "Roster errors call")

    response = _upload(host, convening.public_id, content)

    assert response.status_code == 422
    assert message in response.text
    assert _links(host, convening.public_id) == []


def test_personal_links_csv_neutralises_formula_cells(host: Browserish) -> None:
    convening = create_convening(host, "Formula call")
    roster = b'name,email,organisation\n"=HYPERLINK(""http://evil"")",f@example.org,+SUM(A1)\n'

    response = _upload(host, convening.public_id, roster)

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["organisation"] == "'+SUM(A1)"


# Fuzzing through the real upload route (#12): a refused file gets a 422 naming a line and
# leaves the personal links exactly as they were; nothing gets a 5xx.
CSV_PIECES = st.sampled_from(
    [
        ",",
        '"',
        "\n",
        "\r\n",
        "\x00",
        " ",
        "é",
        "@",
        "name",
        "email",
        "language",
        "es",
        "de",
        "Ana",
        "ana@example.org",
        "bo@example.org",
        "=cmd|' /C calc'!A0",
        "\ufeff",
    ]
)
rosters = st.one_of(
    st.binary(max_size=400),
    st.lists(CSV_PIECES, max_size=40).map(lambda p: "name,email,language\n" + "".join(p)),
    st.lists(CSV_PIECES, max_size=40).map("".join),
).map(lambda v: v if isinstance(v, bytes) else v.encode("utf-8"))


@pytest.fixture(scope="module")
def fuzz_target(server: LiveServer) -> tuple[Browserish, str]:
    from tests.integration.conftest import login

    host = login(server, "host@example.org")
    convening = create_convening(host, "Fuzzed roster call")
    seeded = _upload(host, convening.public_id, b"name,email\nSeed,seed@example.org\n")
    assert seeded.status_code == 200
    return host, convening.public_id


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(content=b'"' + b"x" * 200_000 + b'",email\n')  # over the csv field limit: was a 500
@example(content=b"name,email\nAna,ana@example.org\nBo,not-an-email\n")
@given(content=rosters)
def test_fuzzed_roster_upload_is_imported_or_refused_by_line_changing_nothing(
    fuzz_target: tuple[Browserish, str], content: bytes
) -> None:
    host, public_id = fuzz_target
    before = host.get(f"/host/convenings/{public_id}/personal-links.csv").text

    response = _upload(host, public_id, content)

    after = host.get(f"/host/convenings/{public_id}/personal-links.csv").text
    if response.status_code == 200:
        assert after.startswith(before)
        return
    assert response.status_code == 422, response.text[:500]
    assert re.search(r"Line \d+: .+\. Nothing was imported\.", response.text), response.text
    assert after == before


def test_roster_upload_takes_excels_semicolons_encoding_and_header_names(
    host: Browserish,
) -> None:
    # What Excel on a Spanish Windows writes for "CSV (delimitado por comas)" (#26).
    convening = create_convening(host, "Excel roster call")
    roster = (
        "Nombre;Correo electrónico;Organización;Idioma\r\nZoë Núñez;ZOE@example.org;Tierra;es\r\n"
    )

    response = _upload(host, convening.public_id, roster.encode("cp1252"))

    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["name"], r["email"], r["organisation"], r["language"]) for r in rows] == [
        ("Zoë Núñez", "zoe@example.org", "Tierra", "es")
    ]
