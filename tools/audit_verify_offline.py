"""Check an audit export (`manage.py audit_export`) without the portal: the standard library
only, so it runs wherever the external log store keeps the copy.

    python tools/audit_verify_offline.py audit-2026-12.jsonl [--previous HASH]

Each line's content hash must be the SHA-256 of its entry as canonical JSON (keys sorted, no
spaces, UTF-8), its chain hash the SHA-256 of its previous hash and content hash (hex strings
joined), its previous hash the line before's chain hash and its position one more. `--previous`
is the chain hash the stretch must follow (the last line of the previous export; 64 zeros for
the chain's start; after a purge, the chain starts from its anchor's chain hash, which
`manage.py audit_verify` prints, and a purge's own export follows the anchor before it or the
zeros). Extra keys of a line (a purge's `break_glass_review`) are not part of what is hashed.
Exit status 1 and the first line that does not verify; 0 otherwise, with the last chain hash,
to keep for the next file."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys


def canonical(entry: dict[str, object]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def problem(line: dict[str, object], previous: str | None, position: int | None) -> str:
    """What is wrong with one exported line, or ""."""
    content = hashlib.sha256(canonical(line["entry"])).hexdigest()  # type: ignore[arg-type]
    if content != line["content_hash"]:
        return "its entry is not what was sealed"
    if previous is not None and line["previous_hash"] != previous:
        return "it does not follow the line before"
    if position is not None and line["position"] != position:
        return f"position {position} is missing"
    chained = hashlib.sha256(f"{line['previous_hash']}{content}".encode("ascii")).hexdigest()
    if chained != line["chain_hash"]:
        return "its chain hash is wrong"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--previous", help="The chain hash the first line must follow")
    arguments = parser.parse_args()
    previous, position, count = arguments.previous, None, 0
    with open(arguments.file, encoding="utf-8") as export:
        for number, text in enumerate(export, start=1):
            line = json.loads(text)
            found = problem(line, previous, position)
            if found:
                entry = line.get("entry", {}).get("id")
                sys.stderr.write(f"line {number} (entry {entry}) does not verify: {found}\n")
                return 1
            previous, position, count = line["chain_hash"], line["position"] + 1, count + 1
    sys.stdout.write(f"{count} entries verify; last chain hash {previous}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
