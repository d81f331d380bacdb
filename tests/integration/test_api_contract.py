"""Schemathesis against the app's own OpenAPI schema on a real server (#12).

Every operation is called with generated path, query and body values, as a logged-in host who
is also a participant, with a valid CSRF cookie and header so requests get past CSRF. Checks:
no 5xx, and each response matches what the schema documents for its status (pages are HTML,
files their media type, errors the error page or the JSON error shape).

Half of the cases (by the length of the generated id) use the real convening's public id, so
the handlers behind the scope check are reached too, not only the "not found" path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.conftest import join, login, serve
from tests.integration.live_clients import planned_convening
from tests.servers import LiveServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.sqlite_only(
        reason="the HTTP contract does not depend on the database; every route runs on "
        "PostgreSQL through the IDOR and XSS suites, and inputs are bounded to the column sizes "
        "PostgreSQL enforces (35 s of CI saved)"
    ),
]

# Left out, because one call would end the identity every later case runs as: logging out
# ends the host session, and deleting "my data" erases the participant.
EXCLUDED = ("/logout", "/c/{public_id}/my-data/delete")
EXAMPLES = 20
probed: Counter[str] = Counter()
statuses: Counter[int] = Counter()


@dataclass(frozen=True)
class Caller:
    server: LiveServer
    public_id: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def contract_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("contract"))) as server:
        yield server
    print("\nschemathesis cases per operation:")
    for label, count in sorted(probed.items()):
        print(f"  {count:3d}  {label}")
    print(f"  {sum(probed.values())} cases over {len(probed)} operations")
    print(f"  statuses: {dict(sorted(statuses.items()))}")


@pytest.fixture(scope="module")
def caller(contract_server: LiveServer) -> Caller:
    host = login(contract_server, "host@example.org")
    convening = planned_convening(host, rounds=1)
    ana = join(contract_server, convening.invite_url, "Ana")
    csrf = host.csrf("/host")
    cookies = {
        "crossroads_host": host.cookies["crossroads_host"],
        "crossroads_participant": ana.cookies["crossroads_participant"],
        "crossroads_csrf": host.cookies["crossroads_csrf"],
    }
    return Caller(
        server=contract_server,
        public_id=convening.public_id,
        headers={
            "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "x-csrf-token": csrf,
            "origin": contract_server.url,
        },
    )


def _load_schema() -> schemathesis.BaseSchema:
    # The same document the server serves at /openapi.json, read when tests are collected.
    from crossroads.web.app import create_app

    return schemathesis.openapi.from_dict(create_app().openapi())


SCHEMA = _load_schema()
OPERATIONS = sorted(
    (op.ok().path, op.ok().method.upper())
    for op in SCHEMA.get_all_operations()
    if op.ok().path not in EXCLUDED
)


def _strategy(path: str, method: str) -> st.SearchStrategy[schemathesis.Case]:
    """Valid cases, and invalid ones where the operation has inputs to get wrong."""
    operation = SCHEMA[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_operations_give_no_5xx_and_match_the_schema(
    path: str, method: str, caller: Caller
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=_strategy(path, method))
    def probe(case: schemathesis.Case) -> None:
        parameters = case.path_parameters or {}
        if "public_id" in parameters and len(str(parameters["public_id"])) % 2 == 0:
            parameters["public_id"] = caller.public_id
        probed[f"{method} {path}"] += 1

        response = case.call_and_validate(
            base_url=caller.server.url,
            headers=caller.headers,
            checks=[not_a_server_error, response_schema_conformance],
            allow_redirects=False,
            timeout=60,
        )
        statuses[response.status_code] += 1

    probe()
