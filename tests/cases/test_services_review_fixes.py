"""Fixes after the review: supplements only for materials that can be handed in, the officer's
timeline, the bundle's due date after a resume, the order of a lone auto item's notices."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.core.errors import ValidationFailed

CARD = "37112100RS-GG-0005"


def _version(case: Case) -> int:
    return int(selectors.case_task_view(case=case)["version"])


@pytest.mark.parametrize("mode", [CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE])
def test_a_supplement_for_a_held_or_licence_material_is_refused(
    newborn_case: Case, officers: dict[str, Any], mode: str
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    material = CaseMaterial.objects.filter(case=newborn_case).exclude(key="photo").first()
    assert material is not None
    CaseMaterial.objects.filter(pk=material.pk).update(mode=mode)
    officer = officers["human-resources-social-security"]
    with pytest.raises(ValidationFailed) as refused:
        services.supplement_request(
            actor=officer,
            case=child,
            reason="Again, please.",
            materials=[material.key],
            expected_version=_version(child),
        )
    assert refused.value.code == "material_not_uploaded"
    assert "cannot be asked for again" in refused.value.message
    child.refresh_from_db()
    assert child.status == Case.Status.ACCEPTED
    assert child.task_name == "review"
    assert not Supplement.objects.exists()
