"""JUnit XML for the Python test runners (lab, bench): scripts/junit_summary.py adds
these reports up with Catch2's."""
import xml.etree.ElementTree as ET


def write_junit(path, suite_name, results):
    """results: (test name, error text or None, seconds) per test."""
    suite = ET.Element("testsuite", name=suite_name, tests=str(len(results)))
    for name, err, secs in results:
        case = ET.SubElement(suite, "testcase", classname=suite_name, name=name,
                             time=f"{secs:.2f}")
        if err:
            ET.SubElement(case, "failure", message=err.splitlines()[0][:200]).text = err
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path)
