"""The API driven from its own OpenAPI schema (drf-spectacular) with Hypothesis: every operation,
its path parameters (real records, missing ones, huge numbers), its query parameters and its
JSON body generated from the schema's types, enums, formats and bounds — mixed with hostile
values (NUL, `²`, years 1 and 9999, huge numbers, wrong types) and tampered cursors. No answer
may be a 500; a failure names the operation, the parameters and the body (Hypothesis shrinks
it to the smallest such request).

A body is valid but for at most one field, so the request reaches the code behind the
validation of the others. HOSTILE_EXAMPLES sets how many requests are generated (default 300,
about 20 seconds, for `make test`)."""

from __future__ import annotations

import base64
import datetime
import logging
import os
import re

from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import HOSTILE_JSON, HUGE_ID, MISSING_ID, Prober

# Valid dates and moments are mostly around now (the bounds are a few years either side).
RECENT = datetime.datetime(2020, 1, 1)  # noqa: DTZ001 (sent as written)
SOON = datetime.datetime(2031, 12, 31)  # noqa: DTZ001
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "300"))
WHO = ["counsellor", "counsellor2", "supervisor", "crisis", "liaison", "stats", "outreach"]
HOSTILE_VALUES = st.sampled_from(HOSTILE_JSON)
TAMPERED_CURSORS = [
    base64.b64encode(text.encode()).decode()
    for text in ["p=abc", "p=%00", "p=9999-99-99&r=1", "o=1&p=²", "p=99999999999999999999", "r=x"]
] + ["not base64", "²"]


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


class Strategies:
    """Hypothesis strategies for the schema's values: valid ones or hostile ones."""

    def __init__(self, document: dict, ids: list[str]) -> None:
        self.components = document["components"]["schemas"]
        self.ids = [int(value) for value in ids]

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def value(self, node: dict) -> st.SearchStrategy:
        return st.one_of(self.valid(node), HOSTILE_VALUES)

    def valid(self, node: dict) -> st.SearchStrategy:
        node = self.resolve(node)
        if "allOf" in node:
            return self.valid(node["allOf"][0])
        if "oneOf" in node:
            return st.one_of([self.valid(option) for option in node["oneOf"]])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        strategy = self._typed(node)
        return st.one_of(strategy, st.none()) if node.get("nullable") else strategy

    def _typed(self, node: dict) -> st.SearchStrategy:
        kind = node.get("type", "string")
        if kind == "integer":  # mostly a record's number or a small count, now and then any
            bounded = st.integers(node.get("minimum", -(2**70)), node.get("maximum", 2**70))
            return st.one_of(st.sampled_from([*self.ids, 0, 1, 50]), bounded)
        if kind == "boolean":
            return st.booleans()
        if kind == "array":
            return st.lists(self.value(node.get("items", {})), max_size=3)
        if kind == "object" and "properties" not in node:  # a map, e.g. the C-SSRS answers
            extra = node.get("additionalProperties")
            values = self.valid(extra) if isinstance(extra, dict) else st.none()
            return st.dictionaries(st.text(max_size=12), values, max_size=3)
        if kind == "object":
            return self.body(node)
        if node.get("format") == "date":
            return st.one_of(st.dates(), st.dates(RECENT.date(), SOON.date())).map(
                lambda day: day.isoformat()
            )
        if node.get("format") == "date-time":
            return st.one_of(st.datetimes(), st.datetimes(RECENT, SOON)).map(
                lambda moment: moment.isoformat()
            )
        return st.text(max_size=node.get("maxLength", 50))

    def body(self, node: dict) -> st.SearchStrategy:
        """A valid body but for at most one field, which takes a hostile value."""
        node = self.resolve(node)
        properties = {name: self.valid(value) for name, value in node["properties"].items()}
        required = set(node.get("required", []))
        valid = st.fixed_dictionaries(
            {name: value for name, value in properties.items() if name in required},
            optional={name: value for name, value in properties.items() if name not in required},
        )
        spoiled = st.one_of(st.none(), st.sampled_from(sorted(properties)))
        return st.tuples(valid, spoiled, HOSTILE_VALUES).map(
            lambda drawn: drawn[0] if drawn[1] is None else {**drawn[0], drawn[1]: drawn[2]}
        )

    def query(self, operation: dict, method: str) -> st.SearchStrategy:
        declared = {
            parameter["name"]: self.value(parameter.get("schema", {}))
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        }
        if method == "GET":  # the cursor pagination's parameters, not in the schema
            declared["cursor"] = st.sampled_from(TAMPERED_CURSORS)
            declared["page_size"] = self.value({"type": "integer"})
        return st.fixed_dictionaries({}, optional=declared).map(
            lambda values: {name: str(value) for name, value in values.items()}
        )

    def path(self, path: str) -> st.SearchStrategy:
        names = re.findall(r"\{(\w+)\}", path)
        record = st.sampled_from([*map(str, self.ids), MISSING_ID, HUGE_ID, "0"])
        return st.fixed_dictionaries(dict.fromkeys(names, record)).map(
            lambda values: path.format(**values).lstrip("/")
        )


def test_the_api_never_answers_500(account, world):
    document = schema()
    strategies = Strategies(document, list(world.ids.values())[:12])
    probers = {}
    for who in WHO:
        client = Client()
        client.force_login(account(who))
        probers[who] = Prober(client, who)
    requests = st.sampled_from(operations(document)).flatmap(
        lambda chosen: st.tuples(
            st.sampled_from(WHO),
            st.just(chosen[0]),
            strategies.path(chosen[1]),
            strategies.query(chosen[2], chosen[0]),
            strategies.body(chosen[2]["requestBody"]["content"]["application/json"]["schema"])
            if "requestBody" in chosen[2]
            else st.none(),
        )
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests)
    def no_500(request):
        who, method, path, query, body = request
        prober = probers[who]
        prober.failures.clear()
        prober.send(method, path, query=query, json_body=body if body is not None else {})
        assert not prober.failures, str(prober.failures[0])

    logging.disable(logging.CRITICAL)  # thousands of refusals each log a warning
    try:
        no_500()
    finally:
        logging.disable(logging.NOTSET)
