"""What the count is built from and what it makes: the reference tables that classify CRA rows and Revenue
Outturn lines (:class:`Classification`), the inputs (:class:`Inputs`), the result (:class:`Count`), and the
levels a line's figure can come from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.ingest.bodies import Bodies
from totalplace_lib.ingest.drivers import Populations, load_drivers
from totalplace_lib.ingest.vintage import Vintage

COFOG = {"1": "General public services", "2": "Defence", "3": "Public order and safety", "4": "Economic affairs",
         "5": "Environment protection", "6": "Housing and community amenities", "7": "Health",
         "8": "Recreation, culture and religion", "9": "Education", "10": "Social protection"}
"""UN Classification of the Functions of Government (COFOG), level 0, as HM Treasury's CRA uses it."""

COUNCIL, LOCAL_BODY, CARRIED, REGION = "council", "local body", "carried forward", "region"

LEVELS = (COUNCIL, LOCAL_BODY, CARRIED, REGION)
"""Where a line's figure comes from: the place's own councils' accounts; a local body serving the place
(police force, fire authority, ICB, GLA...) shared within its own area; a body's latest accounts carried
forward; a regional total shared by a driver."""

SPEND_COLUMNS = ["area_code", "year", "theme", "agency", "service", "stage", "amount_gbp", "price_year", "source",
                 "discretionary", "basis", "spend_type", "driver", "function", "level"]

NHS_STAGES = {"core services": "reactive", "primary medical care": "early intervention",
              "other primary care": "early intervention", "specialised services": "acute",
              "pharmacy, optometry and dental": "early intervention"}
"""Stage of each ICB allocation component: core services (hospital, community, mental health, prescribing)
as CRA's medical services; primary care as help before need becomes acute; specialised services as acute."""


def function_of(subfunction: str) -> str:
    """COFOG function of a subfunction label or code (``10.4 Family...`` -> ``Social protection``)."""
    return COFOG.get(subfunction.split(".", 1)[0].strip(), "Other")


@dataclass
class Classification:
    """The reference tables that turn CRA rows and Revenue Outturn lines into a place's spend lines."""

    subfunctions: dict[str, dict] = field(default_factory=dict)
    agencies: list[dict] = field(default_factory=list)
    drivers: dict[str, dict] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    services: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Classification:
        return cls({_key(r["subfunction"]): r for r in reference.rows("cra_subfunctions.csv")},
                   reference.rows("cra_agencies.csv"), load_drivers(), reference.rows("reconciliation.csv"),
                   {r["column"]: r for r in reference.rows("ro_services.csv")})

    def subfunction(self, label: str) -> dict:
        """The row for a subfunction; an unseen one takes the first listed row with the same COFOG code
        (e.g. ``4.5 of which: trams`` -> as ``4.5 of which: local public transport``), saying so."""
        row = self.subfunctions.get(_key(label))
        if row is not None:
            return row
        code = label.split(" ", 1)[0]
        for r in self.subfunctions.values():
            if r["subfunction"].split(" ", 1)[0] == code:
                return {**r, "service": f"{label.split(' ', 1)[-1]} (classified as {r['service']})"}
        return {"subfunction": label, "service": f"{label} (not classified)", "theme": "general",
                "stage": "universal", "driver": "population",
                "reason": "subfunction not in data/reference/cra_subfunctions.csv: shared per head"}

    def agency(self, department: str, body: str, subfunction: str) -> str:
        for r in self.agencies:
            if r["department"] not in ("*", department) or r["body"] not in ("*", body):
                continue
            if r["subfunction_prefix"] == "*" or subfunction.startswith(r["subfunction_prefix"]):
                return r["agency"]
        return "Other central government"

    def group_of_tag(self) -> dict[str, str]:
        """Reported tag (``RO:Education``, ``S52``...) -> its service group."""
        return {g["reported"]: g["group"] for g in self.groups}

    def candidate_groups(self, subfunction: str) -> tuple[str, ...]:
        """The service groups whose reported lines may replace an apportioned local-government line of this
        subfunction, most specific first (children's social care before the combined social care line)."""
        out = []
        for g in self.groups:
            if g["group"] not in out and any(subfunction.startswith(p) for p in filter(None, g["replaces"].split(";"))):
                out.append(g["group"])
        return tuple(out)

    def function_of_group(self) -> dict[str, str]:
        return {g["group"]: function_of(g["replaces"].split(";")[0]) for g in self.groups}


def _key(label: str) -> str:
    return " ".join(label.lower().split())


@dataclass
class Inputs:
    """What the count is built from (all on 2014 upper-tier authorities)."""

    cra: list[dict]
    outturn: pd.DataFrame
    pops: Populations
    v: Vintage
    bodies: Bodies
    council_lines: list[dict] = field(default_factory=list)  # other councils' own lines (Section 52), mapped
    icb: pd.DataFrame = field(default_factory=pd.DataFrame)
    practices: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Count:
    """What the build produced for the tidy tables and the manifest."""

    spend: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    apportionment: list[dict] = field(default_factory=list)
    missing_accounts: list[dict] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)


def empty_lines() -> pd.DataFrame:
    return pd.DataFrame(columns=[*SPEND_COLUMNS, "_tag"])
