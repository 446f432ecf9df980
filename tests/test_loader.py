"""Tests of scenario loading: YAML, extends, --set overrides and validation errors."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sanctionsim.scenario import Scenario, ScenarioError, load_scenario, parse_expression
from sanctionsim.scenario.errors import from_validation_error, validation_errors
from sanctionsim.scenario.loader import (
    apply_overrides,
    compute_config_hash,
    find_scenarios_root,
    read_yaml,
    resolve,
    scenario_name,
)

# ---------------------------------------------------------------------------------------------
# A small schema in the style of ScenarioConfig
# ---------------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stocks(_Model):
    shells: float = Field(0.0, ge=0)
    missiles: float = Field(0.0, ge=0)


class Actor(_Model):
    name: str
    gdp: float = Field(ge=0)
    stocks: Stocks = Stocks()
    ties: dict[str, float] = {}


class Event(_Model):
    at: str
    kind: Literal["summit", "treaty", "sanctions"]


class Config(_Model):
    title: str = ""
    start: str = "2024-07"
    months: int = Field(12, ge=1)
    runs: int = 10
    actors: dict[str, Actor] = {}
    events: list[Event] = []
    goods: dict[Literal["shells", "oil"], float] = {}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASE = """\
title: Base
months: 24
actors:
  PRK:
    name: North Korea
    gdp: 2.0e10
    stocks: {shells: 1.0e6, missiles: 100}
  RUS:
    name: Russia
    gdp: 2.0e12
events:
  - {at: "2024-06", kind: summit}
"""


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    root = tmp_path / "scenarios"
    write(root, "baseline.yaml", BASE)
    return root


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text
    return text


# ---------------------------------------------------------------------------------------------
# read_yaml
# ---------------------------------------------------------------------------------------------


def test_read_yaml_reads_mapping(scenarios: Path) -> None:
    data = read_yaml(scenarios / "baseline.yaml")
    assert data["actors"]["PRK"]["stocks"]["shells"] == 1.0e6


def test_scientific_notation_is_a_number_as_in_yaml_1_2(tmp_path: Path) -> None:
    # PyYAML (YAML 1.1) would leave these as strings.
    path = write(tmp_path, "n.yaml", "a: [1e6, 2.0e10, -1E-3, 6.02e23, 1_000e3]\nb: 2024-07\nc: 1e6x\n")
    data = read_yaml(path)
    assert data["a"] == [1e6, 2.0e10, -1e-3, 6.02e23, 1e6]
    assert data["b"] == "2024-07"
    assert data["c"] == "1e6x"
    assert apply_overrides({}, ["x=1e6"]) == {"x": 1e6}


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "title: ok\nactors:\n  PRK: {name: x\n  RUS: y\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    text = one_line(info.value)
    assert "bad.yaml:" in text
    assert "invalid YAML" in text
    assert info.value.line is not None and info.value.column is not None
    assert f"bad.yaml:{info.value.line}:{info.value.column}: invalid YAML" in text


def test_tab_indentation_is_reported_with_position(tmp_path: Path) -> None:
    path = write(tmp_path, "tabs.yaml", "a:\n\tb: 1\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path)
    assert info.value.line == 2
    assert "tabs.yaml:2:" in one_line(info.value)


@pytest.mark.parametrize(
    ("text", "kind"), [("- 1\n- 2\n", "list"), ("42\n", "number"), ("just text\n", "string")]
)
def test_non_mapping_top_level_is_an_error(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path, "x.yaml", text)
    with pytest.raises(ScenarioError, match=f"the top level is a {kind}; expected a mapping"):
        read_yaml(path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="empty"):
        read_yaml(write(tmp_path, "empty.yaml", "# only a comment\n"))


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml(tmp_path / "nope.yaml")
    assert "nope.yaml: file not found" in one_line(info.value)


def test_python_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.yaml", "x: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        read_yaml(path)


# ---------------------------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------------------------


def test_extends_deep_merges(scenarios: Path) -> None:
    child = write(
        scenarios,
        "analysts/more-shells.yaml",
        """\
        extends: ../baseline.yaml
        title: More shells
        actors:
          PRK:
            stocks: {shells: 5.0e6}
            ties: {RUS: 0.8}
        events:
          - {at: "2024-09", kind: treaty}
        """,
    )
    data = resolve(child)
    assert "extends" not in data
    assert data["title"] == "More shells"
    assert data["months"] == 24  # inherited scalar
    prk = data["actors"]["PRK"]
    assert prk["stocks"] == {"shells": 5.0e6, "missiles": 100}  # mappings merge
    assert prk["name"] == "North Korea"
    assert prk["ties"] == {"RUS": 0.8}
    assert data["actors"]["RUS"]["gdp"] == 2.0e12
    assert data["events"] == [{"at": "2024-09", "kind": "treaty"}]  # lists replace


def test_extends_name_relative_to_scenarios_root_without_suffix(scenarios: Path) -> None:
    child = write(scenarios, "analysts/deep/x.yaml", "extends: baseline\nruns: 3\n")
    data = resolve(child)
    assert data["runs"] == 3
    assert data["title"] == "Base"


def test_extends_chain_of_three(scenarios: Path) -> None:
    write(scenarios, "mid.yaml", "extends: baseline\nmonths: 36\ntitle: Mid\n")
    top = write(scenarios, "top.yaml", "extends: mid.yaml\ntitle: Top\n")
    data = resolve(top)
    assert (data["title"], data["months"], data["actors"]["PRK"]["name"]) == ("Top", 36, "North Korea")


def test_null_in_child_replaces(scenarios: Path) -> None:
    child = write(scenarios, "n.yaml", "extends: baseline\ntitle: null\nactors: {RUS: null}\n")
    data = resolve(child)
    assert data["title"] is None
    assert data["actors"]["RUS"] is None
    assert "PRK" in data["actors"]


def test_resolve_does_not_share_data_between_calls(scenarios: Path) -> None:
    child = write(scenarios, "c.yaml", "extends: baseline\n")
    first = resolve(child)
    first["actors"]["PRK"]["stocks"]["shells"] = -1
    assert resolve(child)["actors"]["PRK"]["stocks"]["shells"] == 1.0e6


def test_extends_loop_reports_chain(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: c\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError) as info:
        resolve(tmp_path / "a.yaml")
    text = one_line(info.value)
    assert "a.yaml -> b.yaml -> c.yaml -> a.yaml" in text
    assert info.value.key_path == "extends"


def test_self_extends_is_a_loop(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: a\n")
    with pytest.raises(ScenarioError, match=r"a\.yaml -> a\.yaml"):
        resolve(tmp_path / "a.yaml")


def test_missing_base_suggests_a_name(scenarios: Path) -> None:
    child = write(scenarios, "c.yaml", "extends: baselin\n")
    with pytest.raises(ScenarioError) as info:
        resolve(child)
    text = one_line(info.value)
    assert "c.yaml: extends: cannot find the base scenario 'baselin'" in text
    assert "Did you mean 'baseline'?" in text


def test_extends_must_be_a_string(scenarios: Path) -> None:
    child = write(scenarios, "c.yaml", "extends: [baseline]\n")
    with pytest.raises(ScenarioError, match="extends: got list"):
        resolve(child)


# ---------------------------------------------------------------------------------------------
# --set overrides
# ---------------------------------------------------------------------------------------------


def test_overrides_parse_values_as_yaml() -> None:
    data = {"runs": 10, "actors": {"PRK": {"gdp": 1.0}}, "events": [{"at": "2024-06"}]}
    out = apply_overrides(
        data,
        [
            "runs=200",
            "actors.PRK.gdp=2.5e10",
            "actors.PRK.stocks.shells=1_000",
            "flag=true",
            "list=[1, 2]",
            "title=Oil for labour",
            "events.0.at=2025-01",
            "nothing=",
        ],
    )
    assert out["runs"] == 200
    assert out["actors"]["PRK"]["gdp"] == 2.5e10
    assert out["actors"]["PRK"]["stocks"] == {"shells": 1000}
    assert out["flag"] is True
    assert out["list"] == [1, 2]
    assert out["title"] == "Oil for labour"
    assert out["events"][0]["at"] == "2025-01"
    assert out["nothing"] is None
    assert data["runs"] == 10  # input untouched
    assert "stocks" not in data["actors"]["PRK"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("runs", "missing '='"),
        ("=5", "empty key path"),
        ("a..b=1", "empty key in the key path"),
        ("runs.x=1", "runs is a number, not a mapping"),
        ("events.5.at=1", "events is a list of 1 item(s)"),
        ("extends=other", "'extends' cannot be overridden"),
        ("runs=[1, 2", "not valid YAML"),
    ],
)
def test_bad_overrides_name_set(override: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_overrides({"runs": 1, "events": [{}]}, [override])
    text = one_line(info.value)
    assert text.startswith("--set: ")
    assert message in text
    assert info.value.file == "--set"


# ---------------------------------------------------------------------------------------------
# load_scenario
# ---------------------------------------------------------------------------------------------


def test_load_scenario(scenarios: Path) -> None:
    scenario = load_scenario(scenarios / "baseline.yaml", ["runs=7"], schema=Config)
    assert isinstance(scenario, Scenario)
    assert isinstance(scenario.config, Config)
    assert scenario.config.runs == 7
    assert scenario.config.actors["PRK"].stocks.shells == 1.0e6
    assert scenario.resolved["runs"] == 7
    assert scenario.name == "baseline"
    assert scenario.path == scenarios / "baseline.yaml"
    assert len(scenario.config_hash) == 64
    assert scenario.config_hash == compute_config_hash(scenario.resolved)
    with pytest.raises(AttributeError):
        scenario.name = "x"  # type: ignore[misc]


def test_config_hash_is_canonical_and_sensitive(scenarios: Path) -> None:
    a = load_scenario(scenarios / "baseline.yaml", schema=Config)
    reordered = write(scenarios, "reordered.yaml", "extends: baseline\nmonths: 24\ntitle: Base\n")
    b = load_scenario(reordered, schema=Config)
    assert a.config_hash == b.config_hash  # same resolved content
    c = load_scenario(scenarios / "baseline.yaml", ["runs=11"], schema=Config)
    assert c.config_hash != a.config_hash
    assert compute_config_hash({"b": 1, "a": {2: "x", "y": [1, 2]}}) == compute_config_hash(
        {"a": {"y": [1, 2], 2: "x"}, "b": 1}
    )


def test_scenario_names(scenarios: Path) -> None:
    nested = write(scenarios, "analysts/oil-for-labour.yaml", "extends: baseline\n")
    assert scenario_name(nested) == "analysts/oil-for-labour"
    assert find_scenarios_root(nested) == scenarios.resolve()
    assert load_scenario(nested, schema=Config).name == "analysts/oil-for-labour"


def test_scenario_name_outside_scenarios_folder(tmp_path: Path) -> None:
    assert scenario_name(write(tmp_path, "loose.yaml", "title: x\n")) == "loose"


def test_unknown_key_with_suggestion_names_file_and_path(scenarios: Path) -> None:
    child = write(
        scenarios,
        "typo.yaml",
        """\
        extends: baseline
        actors:
          PRK:
            stocks: {shels: 5}
        """,
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, schema=Config)
    error = info.value
    text = one_line(error)
    assert text == (
        "scenarios/typo.yaml: actors.PRK.stocks.shels: unknown key 'shels'; "
        "expected one of: missiles, shells. Did you mean 'shells'?"
    ) or text.endswith(
        "typo.yaml: actors.PRK.stocks.shels: unknown key 'shels'; "
        "expected one of: missiles, shells. Did you mean 'shells'?"
    )
    assert error.key_path == "actors.PRK.stocks.shels"
    assert error.suggestion == "shells"
    assert error.file is not None and error.file.endswith("typo.yaml")


def test_top_level_typo(scenarios: Path) -> None:
    child = write(scenarios, "t.yaml", "extends: baseline\nmonth: 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, schema=Config)
    assert info.value.key_path == "month"
    assert info.value.suggestion == "months"


def test_error_names_the_base_file_when_the_bad_value_is_inherited(scenarios: Path) -> None:
    write(scenarios, "broken-base.yaml", "extends: baseline\nactors: {RUS: {gdp: lots}}\n")
    child = write(scenarios, "child.yaml", "extends: broken-base\ntitle: Child\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, schema=Config)
    assert info.value.file is not None and info.value.file.endswith("broken-base.yaml")
    assert "actors.RUS.gdp: got 'lots'; expected a number" in one_line(info.value)


def test_error_names_set_when_the_bad_key_came_from_an_override(scenarios: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenarios / "baseline.yaml", ["actors.PRK.stocks.shell=5"], schema=Config)
    text = one_line(info.value)
    assert text.startswith("--set: actors.PRK.stocks.shell: unknown key 'shell'")
    assert text.endswith("Did you mean 'shells'?")


@pytest.mark.parametrize(
    ("override", "key_path", "fragment"),
    [
        ("months=twelve", "months", "got 'twelve'; expected an integer"),
        ("months=0", "months", "got 0; expected a value >= 1"),
        ("actors.PRK.gdp=-1", "actors.PRK.gdp", "got -1; expected a value >= 0"),
        ("actors.PRK.stocks=5", "actors.PRK.stocks", "got 5; expected a mapping"),
        (
            "events.0.kind=sumit",
            "events.0.kind",
            "got 'sumit'; expected one of 'summit', 'treaty', 'sanctions'",
        ),
        ("events={at: x}", "events", "got a mapping; expected a list"),
        ("months=1.5", "months", "got 1.5; expected an integer"),
        ("goods={oill: 1}", "goods.oill", "unknown key 'oill'"),
        ("actors.NEW={gdp: 1}", "actors.NEW.name", "required key is missing; expected a string"),
        ("actors.PRK.ties.RUS=[1]", "actors.PRK.ties.RUS", "got [1]; expected a number"),
    ],
)
def test_wrong_values(scenarios: Path, override: str, key_path: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenarios / "baseline.yaml", [override], schema=Config)
    text = one_line(info.value)
    assert info.value.key_path == key_path
    assert f"{key_path}: {fragment}" in text


def test_literal_typo_suggests(scenarios: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenarios / "baseline.yaml", ["events.0.kind=sumit"], schema=Config)
    assert info.value.suggestion == "summit"
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenarios / "baseline.yaml", ["goods={oill: 1}"], schema=Config)
    assert info.value.suggestion == "oil"


def test_scenario_error_pickles_and_replaces() -> None:
    error = ScenarioError("got 'x'", file="a.yaml", loc=("a", 0, "b"), expected="a number", suggestion="c")
    assert str(error) == "a.yaml: a.0.b: got 'x'; expected a number. Did you mean 'c'?"
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert again.loc == ("a", 0, "b")
    assert str(error.replace(file="b.yaml")).startswith("b.yaml: a.0.b:")
    assert str(ScenarioError("multi\nline  text")) == "multi line text"


def test_validation_error_conversion_without_loader() -> None:
    with pytest.raises(ValidationError) as info:
        Config.model_validate({"actors": {"PRK": {"name": "x", "gdp": 1, "stocks": {"shels": 1}}}, "runz": 1})
    errors = validation_errors(info.value, model=Config, file="f.yaml")
    assert [e.key_path for e in errors] == ["actors.PRK.stocks.shels", "runz"]
    first = from_validation_error(info.value, model=Config, file="f.yaml")
    assert first.suggestion == "shells"


def test_unknown_key_is_preferred_over_missing_key() -> None:
    with pytest.raises(ValidationError) as info:
        Config.model_validate({"actors": {"PRK": {"nmae": "x", "gdp": 1}}})
    error = from_validation_error(info.value, model=Config)
    assert error.key_path == "actors.PRK.nmae"
    assert error.suggestion == "name"


class _Cat(_Model):
    kind: Literal["cat"] = "cat"
    meow: float = 1.0


class _Dog(_Model):
    kind: Literal["dog"] = "dog"
    bark: int = 1


class _Pets(_Model):
    pet: _Cat | _Dog | None = None
    tagged: _Cat | _Dog = Field(default_factory=_Cat, discriminator="kind")
    size: int | str = 0


@pytest.mark.parametrize(
    ("data", "key_path", "fragment", "suggestion"),
    [
        ({"pet": {"kind": "cat", "meo": 1}}, "pet.meo", "unknown key 'meo'", None),
        ({"tagged": {"kind": "cat", "meo": 1}}, "tagged.meo", "unknown key 'meo'", "meow"),
        ({"tagged": {"kind": "dgo"}}, "tagged", "unknown kind 'dgo'", "dog"),
        ({"size": [1]}, "size", "expected an integer or a string", None),
    ],
)
def test_unions_strip_branch_names(data: dict, key_path: str, fragment: str, suggestion: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        _Pets.model_validate(data)
    error = from_validation_error(info.value, model=_Pets, file="p.yaml")
    assert error.key_path == key_path
    assert fragment in str(error)
    if suggestion is not None:
        assert error.suggestion == suggestion


def test_default_schema_is_scenario_config() -> None:
    pytest.importorskip("sanctionsim.scenario.schema")
    from sanctionsim.scenario import loader

    assert loader._default_schema().__name__ == "ScenarioConfig"


class _Checked(_Model):
    routes: dict[str, dict[str, str]] = {}
    when: str = "true"
    low: float = 0.0
    high: float = 1.0

    @field_validator("when")
    @classmethod
    def _parse_when(cls, value: str) -> str:
        parse_expression(value, functions={"mean": 1})
        return value

    @model_validator(mode="after")
    def _check(self) -> _Checked:
        for name, route in self.routes.items():
            if route.get("via") == "XXX":
                raise ValueError(f"routes.{name}.via: an actor code, one of ['PRK', 'RUS']")
        if self.high < self.low:
            raise ScenarioError("high is below low", loc=("high",), expected=f"a value >= {self.low}")
        return self


def test_validator_errors(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "routes: {rail: {via: XXX}}\n")
    child = write(tmp_path, "child.yaml", "extends: base\nlow: 0.5\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, schema=_Checked)
    # a message starting with a key path is attributed to that key (and to the file it came from)
    assert info.value.key_path == "routes.rail.via"
    assert one_line(info.value).endswith("base.yaml: routes.rail.via: an actor code, one of ['PRK', 'RUS']")
    assert base.exists()

    with pytest.raises(ScenarioError) as info:
        load_scenario(child, ["routes={}", "high=0.1"], schema=_Checked)
    assert one_line(info.value) == "--set: high: high is below low; expected a value >= 0.5"

    with pytest.raises(ScenarioError) as info:
        load_scenario(child, ["routes={}", "when=meen(x) > 1"], schema=_Checked)
    text = one_line(info.value)
    assert text.startswith("--set: when: unknown function 'meen'; allowed: mean (column 1 of 'meen(x) > 1')")
    assert info.value.suggestion == "mean"


def test_events_merge_by_name_across_extends(tmp_path):
    """An extending file replaces an inherited event of the same name and appends new ones."""
    from tests.conftest import BASELINE

    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {BASELINE}\n"
        "events:\n"
        '  - {name: treaty_signed, at: "2024-07", add: {treaty.RUS.PRK: 0.4}}\n'
        '  - {name: crackdown, at: "2025-01", scale: {actors.BLOC.enforcement_budget: 2}}\n'
    )
    base = load_scenario(BASELINE).config.events
    events = load_scenario(child).config.events
    names = [e.name for e in events]
    assert names == [*(e.name for e in base), "crackdown"]
    treaty = events[names.index("treaty_signed")]
    assert treaty.at == "2024-07" and treaty.add == {"treaty.RUS.PRK": 0.4}
    assert events[0] == base[0]


def test_empty_events_list_clears_inherited_events(tmp_path):
    from tests.conftest import BASELINE

    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASELINE}\nevents: []\n")
    assert load_scenario(child).config.events == []


def test_a_stated_value_replaces_an_inherited_uncertainty(tmp_path):
    """`--set` or a child file fixing a drawn parameter wins over the base's draw."""
    from tests.conftest import BASELINE

    drawn = set(load_scenario(BASELINE).config.uncertainties)
    assert "war.fire_rate" in drawn
    fixed = load_scenario(BASELINE, ["war.fire_rate=10000"]).config
    assert fixed.war.fire_rate == 10000 and set(fixed.uncertainties) == drawn - {"war.fire_rate"}
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASELINE}\nwar: {{fire_rate: 12000}}\n")
    assert "war.fire_rate" not in load_scenario(child).config.uncertainties
    restated = tmp_path / "restated.yaml"
    restated.write_text(
        f"extends: {BASELINE}\nwar: {{fire_rate: 12000}}\n"
        "uncertainties: {war.fire_rate: {low: 11000, high: 13000}}\n"
    )
    assert load_scenario(restated).config.uncertainties["war.fire_rate"].low == 11000
