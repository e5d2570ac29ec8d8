"""Named placeholders from the id source ({sku}, {shelf} beside {id}): the plan's checks, how records
are drawn (golive/core/captures.py), how the pool fills paths, and the probe filling an SLO path."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blocks.plan import IdSource, LaunchPlan, read_plan_file, validate_plan
from golive.core.captures import Records
from tasks.id_source import IdPool, IdSourceError
from tasks.metrics.probe import probe
from tests.loopback import QuietHandler, serving
from tests.unit.test_plan import DELETE, base, edited, problems_of  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]
# A search API: a top-level array of items, one without a shelf.
SEARCH = [
    {"sku": "A-1", "location": {"shelf": 3}},
    {"sku": "B-2", "location": {"shelf": 7}},
    {"sku": "C-3", "location": {}},
]
SKU_AND_SHELF = {"sku": "[*].sku", "shelf": "[*].location.shelf"}


# ------------------------------------------------------------------ drawing records (pure)


def test_paths_sharing_an_item_take_that_items_values() -> None:
    records = Records(SEARCH, SKU_AND_SHELF)
    rng = random.Random(3)
    drawn = {tuple(records.draw(rng).items()) for _ in range(200)}
    # C-3 has no shelf, so it is never drawn (and never paired with another item's shelf).
    assert drawn == {(("sku", "A-1"), ("shelf", 3)), (("sku", "B-2"), ("shelf", 7))}
    assert len(records) == 2


def test_paths_that_part_before_a_wildcard_are_drawn_independently() -> None:
    doc = {"items": [{"sku": "A"}, {"sku": "B"}], "stores": [{"id": 1}, {"id": 2}, {"id": 3}]}
    records = Records(doc, {"sku": "items[*].sku", "store": "stores[*].id"})
    rng = random.Random(5)
    assert len(records) == 6
    assert len({tuple(records.draw(rng).items()) for _ in range(300)}) == 6


def test_nested_items_stay_together_at_every_shared_wildcard() -> None:
    doc = {
        "stores": [
            {"region": "north", "aisles": [{"n": 1, "label": "n1"}, {"n": 2, "label": "n2"}]},
            {"region": "south", "aisles": [{"n": 9, "label": "s9"}]},
        ]
    }
    paths = {
        "region": "stores[*].region",
        "aisle": "stores[*].aisles[*].n",
        "label": "stores[*].aisles[*].label",
    }
    records = Records(doc, paths)
    rng = random.Random(1)
    seen = Counter(tuple(records.draw(rng).values()) for _ in range(900))
    assert set(seen) == {("north", 1, "n1"), ("north", 2, "n2"), ("south", 9, "s9")}
    # Uniform over records, not over stores: south's one aisle is not drawn half the time.
    assert all(250 < count < 350 for count in seen.values()), seen


def test_one_path_alone_draws_among_every_value_as_id_always_did() -> None:
    doc = {"columns": [{"a": [{"id": 1}]}, {"a": [{"id": 2}, {"id": 3}, {"id": True}, {"id": ""}]}]}
    records = Records(doc, {"id": "columns[*].a[*].id"})
    rng = random.Random(2)
    assert {records.draw(rng)["id"] for _ in range(100)} == {1, 2, 3}  # bools and "" are not ids


def test_a_response_without_a_complete_record_has_none() -> None:
    records = Records([{"sku": "A"}], SKU_AND_SHELF)
    assert not records and len(records) == 0
    with pytest.raises(ValueError, match="no record"):
        records.draw(random.Random())


# ------------------------------------------------------------------ the pool, over HTTP


def _client(doc: Any, calls: list[str] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(request.url.path)
        return httpx.Response(200, json=doc)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_pool_fills_every_placeholder_of_a_path_from_one_record() -> None:
    pool = IdPool(IdSource(path="/search", captures=SKU_AND_SHELF), random.Random(4))
    calls: list[str] = []
    with _client(SEARCH, calls) as client:
        pool.load(client, "https://api.example")
        pool.load(client, "https://api.example")  # loaded once
    assert calls == ["/search"]
    filled = {pool.fill("/stock/{sku}/shelf/{shelf}") for _ in range(100)}
    assert filled == {"/stock/A-1/shelf/3", "/stock/B-2/shelf/7"}
    assert pool.fill("/health") == "/health"
    assert pool.record() in ({"sku": "A-1", "shelf": 3}, {"sku": "B-2", "shelf": 7})  # JSON types


def test_json_path_still_means_id_beside_the_captures() -> None:
    source = IdSource(path="/search", json_path="[*].id", captures={"sku": "[*].sku"})
    assert source.paths == {"id": "[*].id", "sku": "[*].sku"}
    pool = IdPool(source, random.Random(0))
    with _client([{"id": 10, "sku": "X"}, {"id": 11, "sku": "Y"}]) as client:
        pool.load(client, "https://api.example")
    assert {pool.fill("/items/{id}?sku={sku}") for _ in range(50)} == {
        "/items/10?sku=X",
        "/items/11?sku=Y",
    }


def test_a_source_without_a_complete_record_says_which_paths() -> None:
    pool = IdPool(IdSource(path="/search", captures=SKU_AND_SHELF))
    with _client([{"sku": "A"}]) as client, pytest.raises(IdSourceError) as caught:
        pool.load(client, "https://api.example")
    assert str(caught.value) == (
        "cannot get values for {sku}, {shelf} from GET https://api.example/search: "
        "no item gives every one a value ([*].sku, [*].location.shelf)"
    )


def test_an_id_only_source_keeps_its_messages() -> None:
    pool = IdPool(IdSource(path="/board", json_path="columns[*].id"))
    with _client({"columns": []}) as client, pytest.raises(IdSourceError) as caught:
        pool.load(client, "https://api.example")
    assert str(caught.value) == (
        "cannot get ids for {id} from GET https://api.example/board: columns[*].id matched no ids"
    )


# ------------------------------------------------------------------ plan validation


def _with_captures(raw: dict[str, Any], **edits: Any) -> dict[str, Any]:
    return edited(
        raw,
        {
            "probe.id_source": {"path": "/api/search", "captures": dict(SKU_AND_SHELF)},
            "slos.latency[1].path": "/api/stock/{sku}/shelf/{shelf}",
            "smoke.suites": {"api": [{"name": "stock", "path": "/api/stock/{sku}"}]},
            "scenarios": [],
            **edits,
        },
    )


def test_slo_smoke_and_scenario_paths_may_use_the_captured_names(base: dict[str, Any]) -> None:  # noqa: F811
    scenario = {
        "name": "s",
        "steps": [{"path": "/api/stock/{sku}", "expect_equal": {"sku": "{sku}"}}],
    }
    plan = validate_plan(_with_captures(base, scenarios=[scenario]), env={})
    assert plan.placeholders_provided == {"sku", "shelf"}
    assert plan.probe.id_source is not None and plan.probe.id_source.json_path is None


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            {"slos.latency[1].path": "/api/stock/{sku}/bin/{bin}"},
            "slos.latency[1].path: '/api/stock/{sku}/bin/{bin}' — uses {bin}, which probe.id_source "
            "does not capture (it captures {sku}, {shelf}): add captures: {bin: <JSON path>}",
            id="name-not-captured",
        ),
        pytest.param(
            {"slos.latency[1].path": "/api/items/{id}"},
            "slos.latency[1].path: '/api/items/{id}' — uses {id}, which probe.id_source does not "
            "capture (it captures {sku}, {shelf}): add json_path: <JSON path>",
            id="id-without-json-path",
        ),
        pytest.param(
            {"probe.id_source": DELETE},
            "slos.latency[1].path: '/api/stock/{sku}/shelf/{shelf}' — uses {sku}, so probe.id_source "
            "must capture it (captures: {sku: <JSON path>})",
            id="no-id-source",
        ),
        pytest.param(
            {"probe.id_source": {"path": "/api/search"}},
            "probe.id_source.json_path: (missing) — required unless captures names the values to take",
            id="nothing-to-capture",
        ),
        pytest.param(
            {"probe.id_source.json_path": "[*].id", "probe.id_source.captures.id": "[*].key"},
            "probe.id_source.captures.id: '[*].key' — {id} is already json_path's ('[*].id'): give it once",
            id="id-twice",
        ),
        pytest.param(
            {"probe.id_source.captures.sku": "[].sku"},
            "probe.id_source.captures.sku: '[].sku' — a JSON path such as",
            id="bad-capture-path",
        ),
        pytest.param(
            {"probe.id_source.captures": {"sku-code": "[*].sku"}},
            "— a placeholder name (letters, digits and '_', not starting with a digit)",
            id="bad-capture-name",
        ),
        pytest.param(
            {"scenarios": [{"name": "s", "steps": [{"path": "/api/{bin}"}]}]},
            "scenarios[0].steps[0].path: '/api/{bin}' — uses {bin}, which no earlier step captures",
            id="scenario-name-not-captured",
        ),
    ],
)
def test_a_placeholder_no_capture_provides_is_refused(
    base: dict[str, Any],  # noqa: F811
    edits: dict[str, Any],
    expected: str,
) -> None:
    message = problems_of(_with_captures(base, **edits))
    assert expected in message, message


# ------------------------------------------------------------------ the probe


class _Shop(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/search":
            body = json.dumps(SEARCH).encode()
        else:  # /stock/<sku>/<shelf>: 404 for a pair that no item has
            _, _, sku, shelf = self.path.split("/")
            known = {(item["sku"], str(item["location"].get("shelf"))) for item in SEARCH}
            body = b"{}" if (sku, shelf) in known else b""
            if not body:
                self.answer(404, b"{}", {"Content-Type": "application/json"})
                return
        self.answer(200, body, {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    with serving(_Shop) as url:
        yield url


def test_the_probe_fills_an_slo_path_from_one_record_per_request(shop: str) -> None:
    raw = read_plan_file(REPO / "plans" / "sandbox.yaml")
    raw["slos"]["latency"] = [
        {"name": "stock", "path": "/stock/{sku}/{shelf}", "stat": "p95", "threshold": "500ms"}
    ]
    raw["probe"] = {
        "requests_per_evaluation": 40,
        "concurrency": 4,
        "id_source": {"path": "/search", "captures": dict(SKU_AND_SHELF)},
    }
    raw["scenarios"] = []
    raw["smoke"]["suites"] = {"infrastructure": raw["smoke"]["suites"]["infrastructure"]}
    plan: LaunchPlan = validate_plan(raw, env={})
    samples = probe(shop, plan, rng=random.Random(9))
    assert len(samples) == 40
    assert set(samples["path"]) == {"/stock/A-1/3", "/stock/B-2/7"}
    assert set(samples["status"]) == {200}
