#!/usr/bin/env python3
"""Counts test cases in Bazel's JUnit XML files and prints the summary line.

usage: bazel query 'tests(//...)' | count_tests.py TESTLOGS_DIR BAZEL_EXIT_CODE
       count_tests.py --phase NAME TESTLOGS_DIR BAZEL_EXIT_CODE LABELS_FILE
                      [--phase ...]

Only the test targets named on stdin (or in a phase's LABELS_FILE, one label
per line) are counted, so results left behind by removed targets do not
count. With --phase, each phase is one `bazel test` run in its own
configuration (tools/test.sh: ASan+UBSan, TSan, plain), whose results are in
that configuration's testlogs directory (`bazel info --config=X
bazel-testlogs`); one line per phase is printed, then the total over all
phases (a target run in two phases counts twice: two runs).

Prints `tests: N passed, M failed` and exits non-zero when any case failed,
when a test target failed without a parsable XML (crash, timeout), or when
bazel itself failed (a target that did not build counts as one failure).
"""
import os
import sys
import xml.etree.ElementTree as ET


def count(logs, bazel_rc, labels):
    """Returns (passed, failed) for the targets `labels` under `logs`."""
    passed = failed = 0
    for label in labels:
        package, _, name = label.lstrip("/").partition(":")
        path = os.path.join(logs, package, name, "test.xml")
        if not os.path.exists(path):
            failed += 1
            print(f"no test result for {label}", file=sys.stderr)
            continue
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            failed += 1
            print(f"unreadable test result: {path}", file=sys.stderr)
            continue
        cases = tree.getroot().iter("testcase")
        for case in cases:
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            else:
                passed += 1
    if bazel_rc != 0 and failed == 0:
        failed = 1  # a build failure or a target without results
    return passed, failed


def main(argv):
    if argv[:1] != ["--phase"]:
        logs, bazel_rc = argv[0], int(argv[1])
        passed, failed = count(logs, bazel_rc, sys.stdin.read().split())
        print(f"tests: {passed} passed, {failed} failed")
        return 0 if failed == 0 and bazel_rc == 0 else 1

    total_passed = total_failed = 0
    ok = True
    while argv:
        if len(argv) < 5 or argv[0] != "--phase":
            print(__doc__, file=sys.stderr)
            return 2
        name, logs, bazel_rc, labels_file = argv[1], argv[2], int(argv[3]), argv[4]
        argv = argv[5:]
        with open(labels_file) as f:
            labels = f.read().split()
        passed, failed = count(logs, bazel_rc, labels)
        print(f"  {name}: {passed} passed, {failed} failed "
              f"({len(labels)} test targets, bazel exit {bazel_rc})")
        total_passed += passed
        total_failed += failed
        ok = ok and failed == 0 and bazel_rc == 0
    print(f"tests: {total_passed} passed, {total_failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
