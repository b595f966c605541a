#!/usr/bin/env python3
"""Counts test cases in Bazel's JUnit XML files and prints the summary line.

usage: bazel query 'tests(//...)' | count_tests.py TESTLOGS_DIR BAZEL_EXIT_CODE

Only the test targets named on stdin are counted, so results left behind by
removed targets do not count.

Prints `tests: N passed, M failed` and exits non-zero when any case failed,
when a test target failed without a parsable XML (crash, timeout), or when
bazel itself failed (a target that did not build counts as one failure).
"""
import os
import sys
import xml.etree.ElementTree as ET


def main():
    logs, bazel_rc = sys.argv[1], int(sys.argv[2])
    passed = failed = 0
    for label in sys.stdin.read().split():
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
    print(f"tests: {passed} passed, {failed} failed")
    return 0 if failed == 0 and bazel_rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
