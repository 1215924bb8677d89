"""The check `onestop restore` runs for cases (core.backup): every case's encrypted data
decrypts with the restored keys, and every uploaded material is there with its recorded size
and SHA-256."""

from __future__ import annotations

import hashlib

from onestop.cases.models import Case, CaseMaterial
from onestop.core import backup


@backup.verifier("cases")
def cases_verify() -> str:
    cases = 0
    for case in Case.objects.order_by("pk").iterator():
        # reading the encrypted fields decrypts them: a wrong or missing key raises here
        _ = (case.form_data, case.prefill_values, case.contact_phone)
        cases += 1
    files = 0
    for material in CaseMaterial.objects.exclude(file="").order_by("pk").iterator():
        digest = hashlib.sha256()
        with material.file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if material.sha256 and digest.hexdigest() != material.sha256:
            raise AssertionError(f"material {material.pk} of case {material.case_id} differs")
        files += 1
    return f"{cases} case(s) decrypt, {files} uploaded material(s) match"
