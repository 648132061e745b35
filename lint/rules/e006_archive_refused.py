"""A member of a bundle archive that xennet refused to read, or an archive it could not read to the end.

Bundles come from other machines and are untrusted: a member whose path is absolute or climbs out
with `..`, a symlink or hardlink pointing out of the archive (an absolute target, or `..` above its
root), a device file or FIFO, a member too large or compressed so well that it is a decompression
bomb is not read. Links are never followed: one whose target is inside the archive is no problem, it
is listed as skipped and its target is read as a member of its own. A damaged
archive keeps the members before the damage. Every other member is still analyzed."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E006"
SLUG = "archive-member-refused"
SEVERITY = Severity.ERROR
SUMMARY = "A bundle archive member was refused (unsafe path, link, device, too large, bomb), or the archive is damaged."
RATIONALE = """\
Reading a hostile member could write outside the bundle, follow a link to the analyst's own files or
exhaust memory; leaving it out silently would make the report look complete when it is not."""
FIX = "Rebuild the bundle with regular files under relative paths (as sosreport does), or check the member by hand."
KINDS = ("archive-refused",)
_CONFIG = 'name = "web"\nvif = [ "bridge=xenbr0" ]\n'


def _example_zip(member: str) -> str:
    """A zip holding one member, as the Latin-1 text the rule examples are written from."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(member, date_time=(2026, 1, 2, 3, 4, 5)), _CONFIG)
    return buffer.getvalue().decode("latin-1")


BAD = {"bundle.zip": _example_zip("../../etc/xen/web.cfg")}
GOOD = {"bundle.zip": _example_zip("etc/xen/web.cfg")}


def check(model) -> Iterator[Problem]:
    for problem in model.input_problems:
        if problem.kind in KINDS:
            yield Problem(problem.message, problem.location)
