"""Static checks of the processes shipped in onestop/workflow/processes/."""

from pathlib import Path

import pytest
from lxml import etree

from onestop.workflow import engine, services

DMN_NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
DMN_FILES = sorted(services.PROCESSES_DIR.glob("*.dmn"))
BPMN_FILES = sorted(services.PROCESSES_DIR.glob("*.bpmn"))


def tables(path: Path) -> list[etree._Element]:
    root = etree.parse(str(path)).getroot()
    namespace = etree.QName(root).namespace
    return root.findall(f".//{{{namespace}}}decisionTable")


def is_catch_all(rule: etree._Element) -> bool:
    namespace = etree.QName(rule).namespace
    cells = [
        (entry.findtext(f"{{{namespace}}}text") or "").strip()
        for entry in rule.findall(f"{{{namespace}}}inputEntry")
    ]
    return all(cell in ("", "-") for cell in cells)


def test_the_processes_folder_has_the_built_in_processes():
    assert [p.name for p in BPMN_FILES] == [
        "auto_decision.bpmn",
        "auto_out_of_area_filing.bpmn",
        "auto_tax_clearance.bpmn",
        "benefit_enterprise_setup.bpmn",
        "benefit_newborn_insurance.bpmn",
        "benefit_newborn_vaccination.bpmn",
        "benefit_senior.bpmn",
        "item_standard.bpmn",
    ]
    assert [p.name for p in DMN_FILES] == [
        "auto_decision.dmn",
        "auto_out_of_area_filing.dmn",
        "auto_tax_clearance.dmn",
        "benefit_enterprise_setup.dmn",
        "benefit_newborn_insurance.dmn",
        "benefit_newborn_vaccination.dmn",
        "benefit_senior.dmn",
    ]


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_every_dmn_table_ends_with_a_catch_all_rule(path):
    found = tables(path)
    assert found, f"{path.name} has no decision table"
    for table in found:
        namespace = etree.QName(table).namespace
        rules = table.findall(f"{{{namespace}}}rule")
        assert rules, f"{path.name}: table {table.get('id')} has no rules"
        assert is_catch_all(rules[-1]), (
            f"{path.name}: the last rule of {table.get('id')} must match anything "
            "(every input cell empty or '-')"
        )
        assert table.get("hitPolicy", "UNIQUE") in ("UNIQUE", "COLLECT")


def test_the_catch_all_check_catches_a_table_without_one(tmp_path):
    path = tmp_path / "bad.dmn"
    source = (services.PROCESSES_DIR / "auto_decision.dmn").read_text(encoding="utf-8")
    start = source.index('<rule id="rule_catch_all">')
    end = source.index("</rule>", start) + len("</rule>")
    path.write_text(source[:start] + source[end:], encoding="utf-8")
    table = tables(path)[0]
    namespace = etree.QName(table).namespace
    rules = table.findall(f"{{{namespace}}}rule")
    assert not is_catch_all(rules[-1])


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_conditional_gateway_has_a_default_flow(path):
    root = etree.parse(str(path)).getroot()
    conditional = {
        flow.get("sourceRef")
        for flow in root.iterfind(".//bpmn:sequenceFlow", BPMN_NS)
        if flow.find("bpmn:conditionExpression", BPMN_NS) is not None
    }
    for gateway in root.iterfind(".//bpmn:exclusiveGateway", BPMN_NS):
        if gateway.get("id") in conditional:
            assert gateway.get("default"), f"{path.name}: {gateway.get('id')} has no default"


@pytest.mark.parametrize(("key", "bpmn", "dmns"), services.process_files(), ids=str)
def test_every_process_parses(key, bpmn, dmns):
    parsed = engine.parse(
        key=key,
        bpmn=engine.Source(bpmn.name, bpmn.read_text(encoding="utf-8")),
        dmns=[engine.Source(d.name, d.read_text(encoding="utf-8")) for d in dmns],
    )
    assert parsed.key == key
    assert set(parsed.spec_json) == {"spec", "subprocess_specs"}
