"""Every rule's documented bad example triggers it and its good example does not."""

from __future__ import annotations

import pytest

from conftest import lint_files
from xennet.registry import all_rules

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_bad_example_triggers_rule(rule, tmp_path):
    result = lint_files(tmp_path, rule.bad, trees=rule.example_trees)
    hits = [f for f in result.findings if f.rule_id == rule.id]
    assert hits, f"{rule.id} bad example produced {[(f.rule_id, f.message) for f in result.findings]}"
    assert all(f.slug == rule.slug and f.severity == rule.severity for f in hits)
    assert all(f.location.path.startswith(str(tmp_path)) for f in hits)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_good_example_is_clean(rule, tmp_path):
    result = lint_files(tmp_path, rule.good, trees=rule.example_trees)
    assert [f for f in result.findings if f.rule_id == rule.id] == []
    # a good example shows the right way to write it: no other error either
    assert [f for f in result.findings if f.severity.value == "error"] == []


def test_rule_metadata_is_complete():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.id[0] in "EXNPC" and rule.id[1:].isdigit(), rule.id
        assert rule.slug == rule.slug.lower() and " " not in rule.slug
        assert rule.summary and rule.rationale and rule.fix and rule.bad and rule.good
