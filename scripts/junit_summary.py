#!/usr/bin/python3
"""Adds up JUnit XML reports: prints each failure, then 'N passed, N failed[, N skipped]'.
Exits non-zero when anything failed."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        print(f"FAILED {path}: unreadable report ({e})")
        failed += 1
        continue
    for case in root.iter("testcase"):
        name = f"{case.get('classname') or ''} {case.get('name')}".strip()
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED {path.rsplit('/', 1)[-1]}: {name}")
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
