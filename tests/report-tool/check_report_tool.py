#!/usr/bin/env python3
"""Checks reports/mapsan-report, one case per run (see meson.build here).

What it proves, case by case:

  table      fixtures/fleet (two host directories, a collector file whose
             lines carry a "host" field, one signature seen by four processes
             on three hosts, a malformed line, a truncated last line, a text
             report that is not *.jsonl): the exact table, sorted by count then
             first seen, one warning line on stderr, exit status 1
  json       the same input with --json: hosts, processes, first and last
             seen, counters of bad lines
  sarif      --sarif FILE and --sarif -: a log that satisfies the SARIF 2.1.0
             schema's required properties, types and ranges (checked by
             check_sarif below, written from the specification, since the
             schema cannot be downloaded here), with the mapping of
             docs/REPORT-TOOL.md: rules, levels, locations, related
             locations, code flows, fingerprints, %SRCROOT%
  malformed  every kind of bad line on stdin (not JSON, not an object, no
             signature, fields of the wrong type, deep nesting, bytes that
             are not UTF-8, a truncated last line): no traceback, one warning
             line, the good lines still counted
  empty      no reports: status 0, "no reports", an empty but valid SARIF log
  paths      a file named twice (directly and through its directory) is read
             once; `-` reads stdin; the host is the parent directory's name
  usage      status 2 for no path, a missing path, an unknown flag, and
             --json with --sarif -; --help and --version work
  demo       real output: the demo run twice under the launcher with --json
             into two "host" directories, then grouped: one signature, two
             hosts, two processes, and the SARIF location is the demo's line
  symbolize  --symbolize on the demo built -g, then stripped (--strip-all,
             with a .gnu_debuglink), as a PIE and as a non-PIE (ET_EXEC,
             first PT_LOAD at 0x400000) program: the process writes "in ??";
             the tool names every frame (refresh_entry inlined into
             refresher, race.c and the racy line) from (a) a build-id tree
             given by --debug-dir, (b) a plain --debug-dir, (c) the frames'
             "build_id" with the module gone from disk, (d) the debuglink's
             file next to the module; in --json, the table and SARIF; the
             signature never changes; with no debug file, one warning that
             names the module and its build-id
  profile    --profile over real map-profile records: profile-fleet.c (a
             leaking GLib registry, an evicting hmap cache, periodic records
             every second) run under the launcher on two "hosts" (two
             directories, several files): the table ranks the registry's
             creation site first (peak 120, only grows in 2 of 2 maps, its
             registering line the top insert site with 240 inserts over both
             runs), the cache second (peak 64, 0 of 2 only grow); --json
             has growth per minute and the size series of each map; --html
             writes one self-contained page (checked with Python's HTML
             parser: the sortable table with both sites in rank order, an
             inline SVG chart of size over time for each, the sorting
             script, no external resource); exit status 1 (the registry's
             unbounded-growth report is in the files too)
  profile-order
             --profile over hand-written map-profile records of one map
             written out of time order (fixtures-profile-order: uptime 3000,
             1000, 2000 ms, none final): the map's numbers are its latest
             record's by uptime_ms (size, peak, inserts 300), not the last
             line's (200), and its size series is in time order
  profile-browser
             the same page in headless Chromium: it loads with no console
             error or script exception, and clicking column headers sorts
             the rows (peak size ascending then descending, created-at);
             status 77 (skip) when chromium is not installed
  debuginfod the same report symbolized from a local debuginfod server
             (debuginfod -F DIR on 127.0.0.1, started and stopped here) via
             DEBUGINFOD_URLS, cached in DEBUGINFOD_CACHE_PATH; status 77
             (skip) when debuginfod is not installed

  symtab     the demo without debug information but with its .symtab
             (strip --strip-debug), and with neither (strip --strip-all):
             (a) the process names the static function from .symtab; (b)
             with symbolize=0 the process names nothing, says so in one
             line, names the program by its absolute path (started as
             ./race-symtab), and the tool names the function from .symtab;
             (c) with neither, frames read "<unknown>" and one line names
             the module and its build-id, and the tool's warning says the
             same
  crash-symbolize
             a crash-time report of crash-demo.c (built -g, stripped; the
             fault in a static function, a map write just before it): the
             process writes module+offset+build-id only; the tool names the
             faulting frame to the static function and the faulting line
             (the exact pc: a crash's top frame is no return address), its
             caller, and the recent map write's call site in "threads", from
             (a) a build-id tree given by --debug-dir and (b) the local
             debuginfod with the module gone from disk (skipped without
             debuginfod); the summary keeps the signal; the signature never
             changes

Usage: check_report_tool.py CASE TOOL FIXTURES [SRCROOT LAUNCHER DEMO
                                                [DEMO_NOPIE LIBDIR
                                                 [CRASH_DEMO]]]
Exit status 0 = pass, 1 = fail (the first failed check is printed).
"""
import json
import socket
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

TOOL = FIXTURES = None
FLEET_WW = "787d496ff9750837"


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


def run(*args, stdin=b"", cwd=None, env=None):
    """Run the tool: (status, stdout text, stderr text)."""
    p = subprocess.run([sys.executable, TOOL, *args], input=stdin,
                       capture_output=True, cwd=cwd, env=env, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    print("$ mapsan-report %s  -> %d" % (" ".join(args), p.returncode))
    sys.stdout.write(out[:3000] + err)
    expect("Traceback" not in err, "the tool crashed")
    return p.returncode, out, err


# ------------------------------------------------------------ SARIF checker

# The SARIF 2.1.0 objects the tool writes, from the specification (OASIS
# sarif-v2.1.0, section 3): required properties, every property the object
# may have, and the type of the children that are themselves objects.
# A property outside "allowed" is an error, so a typo ("startline") fails.
# If you add a SARIF property to the tool, add it here.
SPEC = {
    "log": (["version", "runs"], ["version", "$schema", "runs",
             "inlineExternalProperties", "properties"], {"runs": ["run"]}),
    "run": (["tool"], ["tool", "invocations", "results", "originalUriBaseIds",
            "artifacts", "logicalLocations", "automationDetails",
            "columnKind", "properties", "versionControlProvenance",
            "language", "defaultEncoding", "defaultSourceLanguage"],
            {"tool": "tool", "invocations": ["invocation"],
             "results": ["result"],
             "originalUriBaseIds": {"*": "artifactLoc"}}),
    "tool": (["driver"], ["driver", "extensions", "properties"],
             {"driver": "component"}),
    "component": (["name"], ["name", "version", "semanticVersion",
                  "informationUri", "organization", "fullName", "rules",
                  "shortDescription", "fullDescription", "properties"],
                  {"rules": ["rule"], "shortDescription": "mmstring",
                   "fullDescription": "mmstring"}),
    "rule": (["id"], ["id", "name", "shortDescription", "fullDescription",
             "help", "helpUri", "defaultConfiguration", "properties",
             "messageStrings", "guid", "deprecatedIds", "relationships"],
             {"shortDescription": "mmstring", "fullDescription": "mmstring",
              "help": "mmstring", "defaultConfiguration": "config"}),
    "config": ([], ["enabled", "level", "rank", "parameters", "properties"],
               {}),
    "mmstring": (["text"], ["text", "markdown", "properties"], {}),
    "message": ([], ["text", "markdown", "id", "arguments", "properties"], {}),
    "invocation": (["executionSuccessful"], ["executionSuccessful",
                   "toolExecutionNotifications", "commandLine", "arguments",
                   "exitCode", "startTimeUtc", "endTimeUtc", "properties",
                   "toolConfigurationNotifications", "machine"],
                   {"toolExecutionNotifications": ["notification"]}),
    "notification": (["message"], ["message", "level", "locations",
                     "threadId", "timeUtc", "descriptor", "properties"],
                     {"message": "message", "locations": ["location"]}),
    "result": (["message"], ["ruleId", "ruleIndex", "rule", "kind", "level",
               "message", "locations", "partialFingerprints", "fingerprints",
               "relatedLocations", "codeFlows", "stacks", "occurrenceCount",
               "properties", "guid", "baselineState", "rank"],
               {"message": "message", "locations": ["location"],
                "relatedLocations": ["location"], "codeFlows": ["codeFlow"]}),
    "location": ([], ["id", "physicalLocation", "logicalLocations",
                 "message", "annotations", "relationships", "properties"],
                 {"physicalLocation": "physical", "message": "message",
                  "logicalLocations": ["logical"]}),
    "physical": ([], ["artifactLocation", "region", "contextRegion",
                 "address", "properties"],
                 {"artifactLocation": "artifactLoc", "region": "region"}),
    "artifactLoc": ([], ["uri", "uriBaseId", "index", "description",
                    "properties"], {}),
    "region": ([], ["startLine", "startColumn", "endLine", "endColumn",
               "charOffset", "charLength", "byteOffset", "byteLength",
               "snippet", "message", "sourceLanguage", "properties"], {}),
    "logical": ([], ["name", "index", "fullyQualifiedName", "decoratedName",
                "parentIndex", "kind", "properties"], {}),
    "codeFlow": (["threadFlows"], ["message", "threadFlows", "properties"],
                 {"message": "message", "threadFlows": ["threadFlow"]}),
    "threadFlow": (["locations"], ["id", "message", "initialState",
                   "immutableState", "locations", "properties"],
                   {"message": "message", "locations": ["tfLocation"]}),
    "tfLocation": ([], ["index", "location", "stack", "kinds", "taxa",
                   "module", "state", "nestingLevel", "executionOrder",
                   "executionTimeUtc", "importance", "properties"],
                   {"location": "location"}),
}
LEVELS = {"none", "note", "warning", "error"}
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def check_object(obj, kind, path):
    """Walk obj as a SARIF object of the given kind (see SPEC)."""
    required, allowed, children = SPEC[kind]
    expect(isinstance(obj, dict), "%s: not an object" % path)
    for k in required:
        expect(k in obj, "%s: required property %r missing" % (path, k))
    for k in obj:
        expect(k in allowed, "%s: property %r is not in SARIF 2.1.0's %s"
               % (path, k, kind))
    for k, sub in children.items():
        if k not in obj:
            continue
        if isinstance(sub, list):
            expect(isinstance(obj[k], list), "%s.%s: not an array" % (path, k))
            for i, item in enumerate(obj[k]):
                check_object(item, sub[0], "%s.%s[%d]" % (path, k, i))
        elif isinstance(sub, dict):
            expect(isinstance(obj[k], dict),
                   "%s.%s: not an object" % (path, k))
            for name, item in obj[k].items():
                check_object(item, sub["*"], "%s.%s[%s]" % (path, k, name))
        else:
            check_object(obj[k], sub, "%s.%s" % (path, k))
    # Per-kind constraints of the schema.
    if kind == "message":
        expect(isinstance(obj.get("text", obj.get("id")), str),
               "%s: a message needs text (or id)" % path)
    if kind == "mmstring":
        expect(isinstance(obj["text"], str), "%s.text: not a string" % path)
    if kind in ("result", "notification", "config") and "level" in obj:
        expect(obj["level"] in LEVELS, "%s.level: %r" % (path, obj["level"]))
    if kind == "artifactLoc" and "uri" in obj:
        expect(isinstance(obj["uri"], str) and URI_CHARS.match(obj["uri"]),
               "%s.uri: not a URI reference: %r" % (path, obj.get("uri")))
    if kind == "region" and "startLine" in obj:
        v = obj["startLine"]
        expect(isinstance(v, int) and v >= 1, "%s.startLine: %r" % (path, v))
    if kind == "location" and "id" in obj:
        expect(isinstance(obj["id"], int) and obj["id"] >= -1,
               "%s.id: %r" % (path, obj["id"]))
    if kind in ("codeFlow", "threadFlow"):
        key = "threadFlows" if kind == "codeFlow" else "locations"
        expect(len(obj[key]) >= 1, "%s.%s: minItems 1" % (path, key))
    if kind == "tfLocation":
        expect(isinstance(obj.get("nestingLevel", 0), int)
               and obj.get("nestingLevel", 0) >= 0, "%s.nestingLevel" % path)
        expect(isinstance(obj.get("executionOrder", -1), int)
               and obj.get("executionOrder", -1) >= -1,
               "%s.executionOrder" % path)
    if kind == "logical" and "name" in obj:
        expect(isinstance(obj["name"], str), "%s.name" % path)
    if kind == "rule" and "properties" in obj and "tags" in obj["properties"]:
        tags = obj["properties"]["tags"]
        expect(len(set(tags)) == len(tags), "%s: tags not unique" % path)


def check_sarif(doc):
    """The required properties and the cross-references of a SARIF log."""
    check_object(doc, "log", "log")
    expect(doc["version"] == "2.1.0", "version is %r" % doc.get("version"))
    schema = doc.get("$schema")
    expect(isinstance(schema, str) and urlsplit(schema).scheme == "https",
           "$schema is not a URL: %r" % schema)
    expect(len(doc["runs"]) == 1, "not exactly one run")
    run_ = doc["runs"][0]
    driver = run_["tool"]["driver"]
    expect(driver["name"] == "mapsan", "driver name %r" % driver["name"])
    expect(isinstance(driver.get("version"), str), "driver version")
    if "informationUri" in driver:  # the schema says format "uri": absolute
        expect(urlsplit(driver["informationUri"]).scheme, "informationUri")
    rules = driver.get("rules", [])
    ids = [r["id"] for r in rules]
    expect(len(set(ids)) == len(ids), "rule ids not unique")
    bases = run_.get("originalUriBaseIds", {})
    for name, base in bases.items():
        expect(urlsplit(base["uri"]).scheme and base["uri"].endswith("/"),
               "originalUriBaseIds[%s] must be absolute, ending in /" % name)
    for i, res in enumerate(run_.get("results", [])):
        where = "results[%d]" % i
        expect(isinstance(res["message"].get("text"), str)
               and res["message"]["text"], where + ".message.text")
        expect(isinstance(res.get("ruleId"), str), where + ".ruleId")
        expect(res["ruleId"] in ids, where + ": ruleId has no rule")
        if "ruleIndex" in res:
            expect(ids[res["ruleIndex"]] == res["ruleId"],
                   where + ": ruleIndex and ruleId disagree")
        locs = res.get("locations", [])
        expect(locs, where + ": no location")
        for loc in locs + res.get("relatedLocations", []):
            art = loc["physicalLocation"]["artifactLocation"]
            expect(isinstance(art.get("uri"), str) and art["uri"],
                   where + ": artifactLocation.uri")
            if "uriBaseId" in art:
                expect(art["uriBaseId"] in bases,
                       where + ": uriBaseId %r undefined" % art["uriBaseId"])
        rel_ids = {r.get("id") for r in res.get("relatedLocations", [])}
        for m in re.finditer(r"\]\((\d+)\)", res["message"]["text"]):
            expect(int(m.group(1)) in rel_ids,
                   where + ": message links to a missing related location")
        for k, v in res.get("partialFingerprints", {}).items():
            expect(isinstance(v, str), where + ".partialFingerprints")
        for cf in res.get("codeFlows", []):
            tids = [tf.get("id") for tf in cf["threadFlows"] if "id" in tf]
            expect(len(set(tids)) == len(tids), where + ": threadFlow ids")


# -------------------------------------------------------------------- cases

def fleet_stderr_ok(err):
    lines = err.splitlines()
    expect(len(lines) == 1, "expected one warning line, got %r" % lines)
    expect("1 malformed line" in lines[0] and "1 truncated last line"
           in lines[0], "warning does not count the bad lines")
    expect("mapsan.1002.jsonl:2" in lines[0], "first bad line not named")


def case_table():
    status, out, err = run("fleet", cwd=FIXTURES)
    expect(status == 1, "status %d, want 1" % status)
    fleet_stderr_ok(err)
    rows = [re.split(r"\s{2,}", ln.strip()) for ln in out.splitlines()]
    expect(rows[0] == ["COUNT", "HOSTS/PIDS", "KIND", "LOCATION",
                       "FIRST SEEN", "SIGNATURE"], "header %r" % rows[0])
    want = [
        ["4", "3/4", "write-write-race", "race.c:31 in refresh_entry",
         "2026-11-23T10:00:02Z", FLEET_WW],
        ["2", "1/2", "read-write-race", "app.c:42 in worker",
         "2026-11-23T10:00:07Z", "9f2c1b7e5a0d3c44"],
        # one report each: the earlier first seen comes first
        ["1", "1/1", "nil-map-write", "(stripped+0x2a0) in ??",
         "2026-11-23T10:01:00Z", "aa00bb11cc22dd33"],
        ["1", "1/1", "iterator-invalidated", "scan.c:88 in scan_all",
         "2026-11-23T10:05:00Z", "0c1d2e3f40516273"],
    ]
    expect(rows[1:5] == want, "rows %r" % rows[1:5])
    # the summary records: 1001, 1002 and 2002 (no reports) finished
    expect(out.splitlines()[5] ==
           "8 reports, 4 signatures, 3 hosts, 6 processes with reports; "
           "3 processes finished, 1 without reports; 1 finding suppressed",
           "footer %r" % out.splitlines()[5])


def case_json():
    status, out, err = run("--json", "fleet", cwd=FIXTURES)
    expect(status == 1, "status %d" % status)
    fleet_stderr_ok(err)
    doc = json.loads(out)
    expect((doc["reports"], doc["signatures"], doc["files"], doc["malformed"],
            doc["truncated"], doc["finished"], doc["finished_without_reports"],
            doc["suppressed"]) == (8, 4, 5, 1, 1, 3, 1, 1),
           "counters %r" % doc)
    g = doc["groups"][0]
    expect(g["signature"] == FLEET_WW and g["count"] == 4, "first group")
    # host-a and host-b from their directories, host-c from the "host" field
    expect(g["hosts"] == ["host-a", "host-b", "host-c"], "hosts %r" % g)
    expect(g["processes"] == [{"host": "host-a", "pid": 1001},
                              {"host": "host-a", "pid": 1002},
                              {"host": "host-b", "pid": 2001},
                              {"host": "host-c", "pid": 3001}],
           "processes %r" % g["processes"])
    expect((g["first_seen"], g["last_seen"]) ==
           ("2026-11-23T10:00:02Z", "2026-11-23T12:00:00Z"), "times")
    expect(g["summary"] == "write-write-race race.c:31 in refresh_entry",
           "summary")
    expect(doc["groups"][1]["overlapping"] == 2, "overlapping count")
    expect([x["kind"] for x in doc["groups"]] == [
        "write-write-race", "read-write-race", "nil-map-write",
        "iterator-invalidated"], "order")


def case_sarif():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.sarif")
        status, out, err = run("--sarif", path, "--srcroot", "/work/main",
                               "fleet", cwd=FIXTURES)
        expect(status == 1, "status %d" % status)
        expect(out.startswith("COUNT"), "the table still goes to stdout")
        fleet_stderr_ok(err)
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    check_sarif(doc)
    run_ = doc["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    for k in ("write-write-race", "read-write-race", "iterator-invalidated",
              "use-after-resize", "use-after-destroy", "nil-map-write"):
        expect(k in rules, "no rule for " + k)
        r = rules[k]
        expect(r["shortDescription"]["text"] and r["fullDescription"]["text"]
               and r["help"]["text"], "rule %s lacks a description" % k)
    res = {r["ruleId"]: r for r in run_["results"]}
    expect(len(run_["results"]) == 4, "one result per signature")
    levels = {k: r["level"] for k, r in res.items()}
    expect(levels == {"write-write-race": "error", "read-write-race": "error",
                      "nil-map-write": "warning",
                      "iterator-invalidated": "warning"}, "levels %r" % levels)
    ww = res["write-write-race"]
    expect(ww["partialFingerprints"] == {"mapsanSignature/v1": FLEET_WW},
           "fingerprint")
    expect(ww["message"]["text"].startswith(
        "write-write-race race.c:31 in refresh_entry (4 reports from 4 "
        "processes on 3 hosts"), "message %r" % ww["message"]["text"])
    phys = ww["locations"][0]["physicalLocation"]
    expect(phys["artifactLocation"] == {"uri": "demo/race.c",
                                        "uriBaseId": "%SRCROOT%"}, "uri")
    expect(phys["region"] == {"startLine": 31}, "region")
    rel = ww["relatedLocations"][0]["physicalLocation"]
    expect(rel["region"]["startLine"] == 25, "related location = previous")
    expect(run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] ==
           "file:///work/main/", "SRCROOT")
    flows = ww["codeFlows"][0]["threadFlows"]
    expect([f["id"] for f in flows] == ["current", "previous"], "flows")
    last = flows[0]["locations"][-1]["location"]["physicalLocation"]
    expect(last["region"]["startLine"] == 31, "a flow ends at the access")
    # outside the source root: an absolute file:// URI
    rw = res["read-write-race"]["locations"][0]["physicalLocation"]
    expect(rw["artifactLocation"] == {"uri": "file:///src/app/app.c"}, "rw")
    # no frame with a file (a stripped binary): the module, no region
    nil = res["nil-map-write"]["locations"][0]["physicalLocation"]
    expect(nil == {"artifactLocation": {"uri": "file:///opt/stripped"}}, "nil")
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    expect("1 malformed line" in notes[0]["message"]["text"], "notification")

    status, out, err = run("--sarif", "-", "fleet", cwd=FIXTURES)
    expect(status == 1, "status %d" % status)
    doc = json.loads(out)  # nothing but the log on stdout
    check_sarif(doc)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    expect(uri["artifactLocation"]["uri"] == "file:///work/main/demo/race.c",
           "without --srcroot, an absolute file:// URI")


BAD_LINES = [
    b"==================",                       # not JSON
    b"[1, 2, 3]",                                # not an object
    b'{"kind": "write-write-race"}',             # no signature
    b'{"kind": 7, "signature": "x"}',            # kind not a string
    b"[" * 100000 + b"]" * 100000,               # deeper than the parser
    b'{"kind": "write-write-race", "signature": "\xff\xfe',  # cut, not UTF-8
]
ODD_GOOD = (b'{"kind":"read-write-race","signature":"0000000000000001",'
            b'"pid":"x","time":17,"summary":["no"],"host":5,'
            b'"stacks":[1,{"role":"current","frames":[{"file":3,"line":"9"},'
            b'{"function":"f\xff","file":"/a b.c","line":4}]}]}')


def case_malformed():
    good = open(os.path.join(FIXTURES, "fleet/host-a/mapsan.1001.jsonl"),
                "rb").read()
    data = (good + b"\n".join(BAD_LINES) + b"\n" + ODD_GOOD + b"\n" +
            b'{"kind":"write-write-race","signature":"78')  # truncated
    for extra in ([], ["--json"], ["--sarif", "-"]):
        status, out, err = run(*extra, "-", stdin=data)
        expect(status == 1, "status %d" % status)
        lines = err.splitlines()
        expect(len(lines) == 1, "one warning line, got %r" % lines)
        expect("6 malformed lines, 1 truncated last line" in lines[0],
               "counts in %r" % lines[0])
        expect("first at -:4" in lines[0], "first bad line")  # after 3 good
        if extra == ["--json"]:
            doc = json.loads(out)
            expect(doc["reports"] == 3 and doc["signatures"] == 3, "counts")
            odd = [g for g in doc["groups"]
                   if g["signature"] == "0000000000000001"][0]
            expect(odd["hosts"] == ["stdin"] and odd["first_seen"] is None,
                   "odd fields tolerated %r" % odd)
        if extra == ["--sarif", "-"]:
            doc = json.loads(out)
            check_sarif(doc)
            odd = [r for r in doc["runs"][0]["results"]
                   if r["partialFingerprints"]["mapsanSignature/v1"]
                   == "0000000000000001"][0]
            art = odd["locations"][0]["physicalLocation"]
            expect(art["artifactLocation"]["uri"] == "file:///a%20b.c"
                   and art["region"]["startLine"] == 4,
                   "first frame with a file and a line %r" % art)


def case_empty():
    # a process that finished without reports leaves only its summary
    status, out, err = run("fleet/host-b/mapsan.2002.jsonl", cwd=FIXTURES)
    expect(status == 0 and err == "", "status %d, want 0" % status)
    expect(out == "no reports (1 line in 1 file; 1 process finished, 1 "
           "without reports)\n", "summary-only output %r" % out)
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "notes.txt"), "w").write("{}\n")
        for paths in (["empty"], [tmp], ["empty", tmp]):
            status, out, err = run(*paths, cwd=FIXTURES)
            expect(status == 0, "status %d, want 0" % status)
            expect(out.startswith("no reports"), "no reports line")
            expect(err == "", "no warning")
        status, out, err = run("--sarif", "-", "empty", cwd=FIXTURES)
        expect(status == 0, "status %d" % status)
        doc = json.loads(out)
        check_sarif(doc)
        expect(doc["runs"][0]["results"] == [], "empty results")
        status, out, err = run("--json", "-", stdin=b"")
        expect(status == 0 and json.loads(out)["groups"] == [], "empty json")


def case_paths():
    one = "fleet/host-a/mapsan.1001.jsonl"
    status, out, err = run("--json", one, "fleet/host-a", "./" + one,
                           cwd=FIXTURES)
    doc = json.loads(out)
    expect(doc["files"] == 2 and doc["reports"] == 3,
           "a file named twice is read once: %r" % doc)
    with open(os.path.join(FIXTURES, one), "rb") as fh:
        data = fh.read()
    status, out, err = run("--json", "-", one, stdin=data, cwd=FIXTURES)
    doc = json.loads(out)
    expect(doc["groups"][0]["hosts"] == ["host-a", "stdin"],
           "hosts from directory and stdin: %r" % doc["groups"][0]["hosts"])
    expect(status == 1, "status")


def case_usage():
    for args in ([], ["no/such/dir"], ["--bogus", "fleet"],
                 ["--json", "--sarif", "-", "fleet"]):
        status, out, err = run(*args, cwd=FIXTURES)
        expect(status == 2, "%r: status %d, want 2" % (args, status))
        expect(err.strip(), "%r: says why on stderr" % args)
        expect(out == "", "%r: nothing on stdout" % args)
    status, out, err = run("--sarif", "/no/such/dir/x.sarif", "fleet",
                           cwd=FIXTURES)
    expect(status == 2 and "cannot write" in err, "unwritable SARIF file")
    status, out, err = run("--help")
    expect(status == 0 and "--sarif" in out and "Exit status" in out, "help")
    status, out, err = run("--version")
    expect(status == 0 and out.startswith("mapsan-report "), "version")


def case_demo(srcroot, launcher, demo):
    with tempfile.TemporaryDirectory() as tmp:
        for host in ("host-x", "host-y"):
            d = os.path.join(tmp, host)
            os.mkdir(d)
            p = subprocess.run([launcher, "--json", d, "--", demo],
                               capture_output=True, timeout=60)
            expect(p.returncode == 66, "demo exited %d, want 66: %s" %
                   (p.returncode, p.stderr.decode()[-2000:]))
        raw = []
        for host in ("host-x", "host-y"):
            for f in os.listdir(os.path.join(tmp, host)):
                with open(os.path.join(tmp, host, f)) as fh:
                    raw += [json.loads(ln) for ln in fh]
        # each run: its report, then its summary record at exit
        raw = [r for r in raw if "record" not in r]
        expect(len(raw) == 2, "one report per run, got %d" % len(raw))

        status, out, err = run("--json", tmp)
        expect(status == 1 and err == "", "status %d, err %r" % (status, err))
        doc = json.loads(out)
        expect(doc["signatures"] == 1, "the two runs share one signature")
        expect(doc["finished"] == 2, "two summary records")
        g = doc["groups"][0]
        # The runtime names its host in each line ("host"), which wins
        # over the directory name.
        expect(g["count"] == 2 and g["hosts"] == [raw[0]["host"]]
               and raw[0]["host"] == socket.gethostname()
               and len(g["processes"]) == 2, "group %r" % g)
        expect(g["kind"] == "write-write-race", "kind")
        expect(g["summary"] == raw[0]["summary"] and
               g["summary"] == "%s %s" % (g["kind"], g["location"]), "summary")
        expect(g["first_seen"] == min(r["time"] for r in raw), "first seen")

        sarif = os.path.join(tmp, "mapsan.sarif")
        status, out, err = run("--sarif", sarif, "--srcroot", srcroot, tmp)
        expect(status == 1, "status %d" % status)
        with open(sarif, encoding="utf-8") as fh:
            doc = json.load(fh)
        check_sarif(doc)
        res = doc["runs"][0]["results"]
        expect(len(res) == 1 and res[0]["level"] == "error", "one error")
        cur = [s for s in raw[0]["stacks"] if s["role"] == "current"][0]
        top = [f for f in cur["frames"] if "file" in f][0]
        phys = res[0]["locations"][0]["physicalLocation"]
        expect(phys["artifactLocation"] == {"uri": "demo/race.c",
                                            "uriBaseId": "%SRCROOT%"},
               "location %r" % phys)
        expect(phys["region"]["startLine"] == top["line"], "line")
        expect(res[0]["message"]["text"].startswith(raw[0]["summary"]),
               "message")
        expect(res[0]["relatedLocations"][0]["physicalLocation"]
               ["artifactLocation"]["uri"] == "demo/race.c", "previous")


# ---------------------------------------------------------------- --profile

def fleet_line(srcroot, marker):
    path = os.path.join(srcroot, "tests", "report-tool", "profile-fleet.c")
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if "profile-fleet: " + marker in line:
                return i
    raise Failure("no marker %s in profile-fleet.c" % marker)


def fleet_runs(tmp, launcher, fleet):
    """profile-fleet run under mapsan on two hosts: their directory."""
    top = os.path.join(tmp, "fleet")
    for host in ("host-a", "host-b"):
        d = os.path.join(top, host)
        os.makedirs(d)
        env = dict(os.environ)
        env["MAPSAN_OPTIONS"] = ("map_profile=1:map_profile_period=1:"
                                 "growth_limit=100")
        p = subprocess.run([launcher, "--json", d, "--", fleet],
                           capture_output=True, timeout=60, env=env)
        expect(p.returncode == 66, "profile-fleet exited %d, want 66: %s" %
               (p.returncode, p.stderr.decode()[-2000:]))
    return top


class PageParser:
    """What the checks need of the page, from Python's HTML parser: the
    table's header cells, its rows' cells (text and data-v), the SVG
    polylines per row, scripts, and any external reference."""

    def __init__(self, text):
        from html.parser import HTMLParser
        self.heads, self.rows, self.scripts, self.external = [], [], [], []
        self.charts = []
        page = self

        class P(HTMLParser):
            cell = None
            in_script = False

            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                for k in ("src", "href"):
                    if a.get(k):
                        page.external.append(a[k])
                if tag == "link":
                    page.external.append("link")
                if tag == "tr":
                    page.rows.append([])
                    page.charts.append(0)
                elif tag in ("td", "th"):
                    self.cell = [tag, a.get("data-v"), ""]
                elif tag == "polyline" and page.charts:
                    page.charts[-1] += 1
                elif tag == "script":
                    self.in_script = True
                    page.scripts.append("")

            def handle_endtag(self, tag):
                if tag in ("td", "th") and self.cell:
                    if self.cell[0] == "th":
                        page.heads.append(self.cell[2].strip())
                    else:
                        page.rows[-1].append((self.cell[2].strip(),
                                              self.cell[1]))
                    self.cell = None
                elif tag == "script":
                    self.in_script = False

            def handle_data(self, data):
                if self.cell:
                    self.cell[2] += data
                if self.in_script:
                    page.scripts[-1] += data
        P().feed(text)
        self.charts = [c for c, r in zip(self.charts, self.rows) if r]
        self.rows = [r for r in self.rows if r]


def case_profile(srcroot, launcher, fleet):
    register = fleet_line(srcroot, "REGISTER")
    registry = fleet_line(srcroot, "REGISTRY")
    cache = fleet_line(srcroot, "CACHE")
    with tempfile.TemporaryDirectory() as tmp:
        top = fleet_runs(tmp, launcher, fleet)
        files = [os.path.join(r, f) for r, _, fs in os.walk(top) for f in fs]
        expect(len(files) == 2, "one file per run: %s" % files)
        status, out, err = run("--profile", top)
        expect(status == 1 and err == "", "status %d, err %r" % (status, err))
        lines = out.splitlines()
        expect(lines[0].split()[:4] == ["RANK", "PEAK", "SIZE", "PEAK"],
               "header %r" % lines[0])
        first, second = lines[1].split(), lines[2].split()
        expect(first[:2] == ["1", "120"] and first[4:6] == ["2/2", "2"] and
               "profile-fleet.c:%d" % registry in lines[1] and
               "register_handler profile-fleet.c:%d (240)" % register
               in lines[1], "the registry ranks first: %r" % lines[1])
        expect(second[:2] == ["2", "64"] and second[4] == "0/2" and
               "profile-fleet.c:%d" % cache in lines[2],
               "the cache ranks second: %r" % lines[2])
        expect(lines[3].startswith("2 creation sites of 4 maps in "),
               "last line %r" % lines[3])

        status, out, err = run("--profile", "--json", top)
        expect(status == 1, "status %d" % status)
        doc = json.loads(out)
        expect(doc["profile"] is True and doc["maps"] == 4, "doc %r" % {
            k: doc[k] for k in ("profile", "maps")})
        reg, ca = doc["sites"]
        expect(reg["api"] == ["glib"] and reg["maps"] == 2 and
               reg["only_grows"] == 2 and reg["inserts"] == 240 and
               reg["removals"] == 0 and reg["hosts"] == [
                   socket.gethostname()] and len(reg["processes"]) == 2,
               "registry site %r" % {k: reg[k] for k in (
                   "api", "maps", "only_grows", "inserts", "removals")})
        # 120 registrations in about 1.2 s: some 6000 a minute.
        expect(reg["growth_per_min"] and 2000 < reg["growth_per_min"] < 20000,
               "growth per minute %r" % reg["growth_per_min"])
        expect(reg["insert_sites"][0]["count"] == 240 and
               reg["insert_sites"][0]["site"].endswith(
                   "profile-fleet.c:%d" % register), "insert sites %r" %
               reg["insert_sites"])
        for s in reg["series"]:
            pts = s["points"]
            expect(len(pts) >= 2 and pts[-1][1] == 120 and
                   [p[0] for p in pts] == sorted(p[0] for p in pts),
                   "series of a registry map: %r" % pts)
        expect(ca["api"] == ["hmap"] and ca["only_grows"] == 0 and
               ca["peak_size"] == 64 and ca["removals"] > 0, "cache %r" % {
                   k: ca[k] for k in ("api", "only_grows", "peak_size")})

        page = os.path.join(tmp, "profile.html")
        status, out, err = run("--profile", "--html", page, top)
        expect(status == 1, "status %d" % status)
        with open(page, encoding="utf-8") as fh:
            html = fh.read()
        pp = PageParser(html)
        expect(pp.heads[:3] == ["Rank", "Peak size", "Peak bytes"],
               "headers %r" % pp.heads)
        expect(len(pp.rows) == 2, "two rows: %r" % pp.rows)
        expect([r[1][0] for r in pp.rows] == ["120", "64"] and
               "profile-fleet.c:%d" % registry in pp.rows[0][8][0],
               "rows in rank order: %r" % [r[:2] for r in pp.rows])
        expect(pp.charts == [2, 2], "one line per map in each chart: %r" %
               pp.charts)
        expect(pp.external == [], "external references %r" % pp.external)
        expect(len(pp.scripts) == 1 and "sortBy" in pp.scripts[0],
               "the sorting script")
        status, out, err = run("--html", page, top)
        expect(status == 2, "--html without --profile is a usage error")


def case_profile_order():
    fixtures = os.path.join(os.path.dirname(FIXTURES),
                            "fixtures-profile-order")
    status, out, err = run("--profile", "--json", fixtures)
    expect(status == 0 and err == "", "status %d, err %r" % (status, err))
    doc = json.loads(out)
    expect(doc["maps"] == 1 and doc["records"] == 3, "doc %r" % {
        k: doc[k] for k in ("maps", "records")})
    site = doc["sites"][0]
    expect(site["size"] == 300 and site["peak_size"] == 300 and
           site["inserts"] == 300 and site["insert_sites"] == [
               {"site": "register_handler registry.c:38", "count": 300}],
           "the latest record's numbers: %r" % {k: site[k] for k in (
               "size", "peak_size", "inserts", "insert_sites")})
    expect(site["series"][0]["points"] == [[1000, 100], [2000, 200],
                                           [3000, 300]],
           "series in time order: %r" % site["series"])
    status, out, err = run("--profile", fixtures)
    row = out.splitlines()[1].split()
    expect(status == 0 and row[:2] == ["1", "300"] and row[-1] == "(300)",
           "table row %r" % row)


# Run in the page before its own script: records errors; then, after it,
# clicks headers and writes what each order was into the body.
BROWSER_PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message));
});
var __log = console.error;
console.error = function () {
  window.__errors.push(Array.prototype.join.call(arguments, ' '));
  __log.apply(console, arguments);
};
</script>"""
BROWSER_PROBE_TAIL = """<script>
(function () {
  var t = document.getElementById('sites');
  function col(i) {
    return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
      return r.cells[i].textContent.trim();
    });
  }
  var heads = t.tHead.rows[0].cells, out = {};
  out.initial = col(1);
  heads[1].click(); out.peak_first = col(1);
  heads[1].click(); out.peak_second = col(1);
  heads[8].click(); out.created = col(8);
  out.svgs = document.querySelectorAll('svg.chart polyline').length;
  out.width = t.getBoundingClientRect().width;
  out.errors = window.__errors;
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def case_profile_browser(srcroot, launcher, fleet):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("SKIP: chromium is not installed")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        top = fleet_runs(tmp, launcher, fleet)
        page = os.path.join(tmp, "profile.html")
        status, out, err = run("--profile", "--html", page, top)
        expect(status == 1, "status %d" % status)
        with open(page, encoding="utf-8") as fh:
            html = fh.read()
        probed = html.replace("<head>", "<head>" + BROWSER_PROBE_HEAD, 1)
        probed = probed.replace("</body>", BROWSER_PROBE_TAIL + "</body>", 1)
        test_page = os.path.join(tmp, "probe.html")
        with open(test_page, "w", encoding="utf-8") as fh:
            fh.write(probed)
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        env = dict(os.environ, HOME=home)
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--no-first-run", "--user-data-dir=" + os.path.join(tmp, "ud"),
               "--enable-logging=stderr", "--v=0", "--dump-dom",
               "file://" + test_page]
        p = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
        dom = p.stdout.decode("utf-8", "replace")
        log = p.stderr.decode("utf-8", "replace")
        console = [ln for ln in log.splitlines()
                   if "CONSOLE" in ln or "Uncaught" in ln]
        expect(p.returncode == 0, "chromium exited %d: %s" % (
            p.returncode, log[-2000:]))
        expect(console == [], "console messages: %r" % console)
        m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
        expect(m is not None, "the probe did not run: %s" % dom[-1500:])
        res = json.loads(m.group(1).replace("&quot;", '"')
                         .replace("&lt;", "<").replace("&gt;", ">")
                         .replace("&amp;", "&"))
        print("probe: %r" % res)
        expect(res["errors"] == [], "script errors %r" % res["errors"])
        expect(res["initial"] == ["120", "64"], "initial %r" % res["initial"])
        expect(res["peak_first"] == ["120", "64"] and
               res["peak_second"] == ["64", "120"],
               "peak size sorts descending then ascending: %r" % res)
        labels = sorted(res["created"], reverse=True)
        expect(res["created"] == labels, "created-at sorts: %r" %
               res["created"])
        expect(res["svgs"] == 4 and res["width"] > 400,
               "rendered: %d chart lines, table %r px wide" % (
                   res["svgs"], res["width"]))


# ------------------------------------------------------------- --symbolize

def stripped_build(tmp, prog):
    """A stripped copy of prog with a .gnu_debuglink, and its debug file
    only in a build-id tree (tmp/tree/.build-id/xx/rest.debug) and a plain
    directory (tmp/plain/NAME.debug), where the process cannot find it.
    Returns (stripped copy, build-id, debug file in the tree)."""
    name = os.path.basename(prog)
    os.makedirs(os.path.join(tmp, "bin"))
    os.makedirs(os.path.join(tmp, "plain"))
    copy = os.path.join(tmp, "bin", name)
    debug = os.path.join(tmp, "plain", name + ".debug")
    for cmd in (["objcopy", "--only-keep-debug", prog, debug],
                ["strip", "--strip-all", "-o", copy, prog],
                ["objcopy", "--add-gnu-debuglink=" + debug, copy]):
        subprocess.run(cmd, check=True, cwd=tmp)
    out = subprocess.run(["readelf", "-n", debug], check=True,
                         capture_output=True, text=True).stdout
    bid = re.search(r"Build ID: ([0-9a-f]+)", out).group(1)
    tree = os.path.join(tmp, "tree", ".build-id", bid[:2])
    os.makedirs(tree)
    shutil.copy(debug, os.path.join(tree, bid[2:] + ".debug"))
    return copy, bid, os.path.join(tree, bid[2:] + ".debug")


def run_stripped(launcher, copy, libdir, out):
    os.makedirs(out)
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    env.pop("DEBUGINFOD_URLS", None)  # libdw in the process must not find it
    p = subprocess.run([launcher, "--json", out, "--", copy], env=env,
                       capture_output=True, timeout=60)
    expect(p.returncode == 66, "stripped demo exited %d: %s" %
           (p.returncode, p.stderr.decode()[-2000:]))
    reps = []
    for f in os.listdir(out):
        with open(os.path.join(out, f)) as fh:
            reps += [json.loads(ln) for ln in fh]
    reps = [r for r in reps if "record" not in r]
    expect(len(reps) == 1, "one report, got %d" % len(reps))
    cur = [s for s in reps[0]["stacks"] if s["role"] == "current"][0]
    expect("function" not in cur["frames"][0] and
           "file" not in cur["frames"][0], "the process named the stripped "
           "frame: %r" % cur["frames"][0])
    expect("in ??" in reps[0]["summary"], "summary %r" % reps[0]["summary"])
    return reps[0]


def frames_build_id(rep, module, bid):
    """Every frame of rep in module carries bid, as the process read it
    from the loaded module's notes."""
    frames = [fr for s in rep["stacks"] for fr in s["frames"]
              if fr.get("module") == module]
    expect(frames and all(fr.get("build_id") == bid for fr in frames),
           "frames of %s without build-id %s: %r" % (module, bid, frames[:2]))


def check_symbolized(args, raw, srcroot, env=None, what=""):
    """mapsan-report ARGS --json: the demo's race, named to the line, with
    the inlined call, and the signature the process computed."""
    status, out, err = run(*args, "--json", env=env)
    expect(status == 1, "%s: status %d" % (what, status))
    g = json.loads(out)["groups"][0]
    expect(g["signature"] == raw["signature"], what + ": signature changed")
    race_c = os.path.join(srcroot, "demo", "race.c")
    want = race_line(race_c, "BUG: the lock is missing")
    expect(g["summary"] == "write-write-race race.c:%d in refresh_entry" %
           want, "%s: summary %r" % (what, g["summary"]))
    cur = [s for s in g["stacks"] if s["role"] == "current"][0]["frames"]
    expect(cur[0].get("function") == "refresh_entry" and
           cur[0].get("file") == race_c and cur[0].get("line") == want and
           cur[0].get("inlined") is True, "%s: top frame %r" % (what, cur[0]))
    expect(cur[1].get("function") == "refresher" and
           cur[1].get("file") == race_c and "inlined" not in cur[1] and
           cur[1]["offset"] == cur[0]["offset"], "%s: caller %r" %
           (what, cur[1]))
    prev = [s for s in g["stacks"] if s["role"] == "previous"][0]["frames"]
    expect([f.get("function") for f in prev[:2]] == ["cache_put", "main"],
           "%s: previous %r" % (what, prev[:2]))
    return err


def race_line(path, marker):
    """The line of demo/race.c that the report names: the first
    hmap_assign after the marker comment."""
    seen = False
    with open(path) as fh:
        for i, ln in enumerate(fh, 1):
            seen = seen or marker in ln
            if seen and "hmap_assign" in ln:
                return i
    raise Failure("no hmap_assign after %r in %s" % (marker, path))


def case_symbolize(srcroot, launcher, demo, demo_nopie, libdir):
    for prog, kind in ((demo, "PIE"), (demo_nopie, "non-PIE")):
        with tempfile.TemporaryDirectory() as tmp:
            copy, bid, tree_file = stripped_build(tmp, prog)
            rep = os.path.join(tmp, "rep")
            raw = run_stripped(launcher, copy, libdir, rep)
            frames_build_id(raw, copy, bid)
            tree = os.path.join(tmp, "tree")
            # (a) the build-id tree, build-id read from the module on disk
            err = check_symbolized(["--symbolize", "--debug-dir", tree, rep],
                                   raw, srcroot, what=kind + " build-id tree")
            expect(err == "", "warning %r" % err)
            # the table and SARIF say the same
            status, out, err = run("--symbolize", "--debug-dir", tree, rep)
            expect("race.c:" in out and "in refresh_entry" in out, "table")
            sarif = os.path.join(tmp, "s.sarif")
            run("--debug-dir", tree, "--sarif", sarif, rep)
            with open(sarif) as fh:
                doc = json.load(fh)
            check_sarif(doc)
            res = doc["runs"][0]["results"][0]
            loc = res["locations"][0]
            expect(loc["physicalLocation"]["artifactLocation"]["uri"]
                   .endswith("/demo/race.c") and
                   loc["logicalLocations"][0]["name"] == "refresh_entry",
                   "SARIF location %r" % loc)
            # (b) a plain directory holding NAME.debug
            check_symbolized(["--symbolize", "--debug-dir",
                              os.path.join(tmp, "plain"), rep], raw, srcroot,
                             what=kind + " plain directory")
            # without a debug file: frames stay unknown, said once, no crash
            status, out, err = run("--symbolize", "--json", rep)
            g = json.loads(out)["groups"][0]
            expect(status == 1 and "in ??" in g["summary"] and
                   "still without a function" in err and copy in err and
                   bid in err, "no debug file: %r %r" % (g["summary"], err))
            # (c) the frames carry a build-id and the module is gone (another
            # machine): found by the frame's build-id alone
            moved = os.path.join(tmp, "moved")
            os.makedirs(moved)
            for f in os.listdir(rep):
                with open(os.path.join(rep, f)) as fh, \
                        open(os.path.join(moved, f), "w") as oh:
                    for ln in fh:
                        r = json.loads(ln)
                        for s in r.get("stacks", []):
                            for fr in s["frames"]:
                                if fr["module"] == copy:
                                    fr["build_id"] = bid
                                    fr["module"] = "/nonexistent/" + \
                                        os.path.basename(copy)
                        oh.write(json.dumps(r) + "\n")
            check_symbolized(["--symbolize", "--debug-dir", tree, moved], raw,
                             srcroot, what=kind + " frame build-id")
            # (d) the debuglink's file next to the module
            shutil.copy(tree_file, os.path.join(
                tmp, "bin", os.path.basename(prog) + ".debug"))
            check_symbolized(["--symbolize", rep], raw, srcroot,
                             what=kind + " .gnu_debuglink")
            # (e) the process itself finds that file (symbolize=1: local
            # files, by .gnu_debuglink, checked by build-id)
            again = os.path.join(tmp, "again")
            os.makedirs(again)
            env = dict(os.environ, LD_LIBRARY_PATH=libdir)
            env.pop("DEBUGINFOD_URLS", None)
            p = subprocess.run([launcher, "--json", again, "--", copy],
                               env=env, capture_output=True, timeout=60)
            reps = [json.loads(ln) for f in os.listdir(again)
                    for ln in open(os.path.join(again, f))]
            reps = [r for r in reps if "record" not in r]
            expect(p.returncode == 66 and len(reps) == 1 and
                   "in refresh_entry" in reps[0]["summary"] and
                   reps[0]["signature"] == raw["signature"],
                   "%s: in-process symbolization from the debuglink file: "
                   "%r" % (kind, [r.get("summary") for r in reps]))


class Skip(Exception):
    pass


class Debuginfod:
    """A local debuginfod -F SERVE on 127.0.0.1, started here and stopped on
    exit, once it serves bid. Skip when debuginfod is not installed or
    cannot run here."""

    def __init__(self, tmp, serve, bid):
        self.tmp, self.serve, self.bid = tmp, serve, bid

    def __enter__(self):
        server = shutil.which("debuginfod")
        if server is None:
            raise Skip("debuginfod is not installed (scripts/setup installs "
                       "it)")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.log = open(os.path.join(self.tmp, "debuginfod.log"), "w")
        self.proc = subprocess.Popen(
            [server, "-F", self.serve, "-p", str(port), "-d",
             os.path.join(self.tmp, "db.sqlite"), "-t", "1", "-g", "0", "-v"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp)
        self.url = "http://127.0.0.1:%d" % port
        try:
            import time
            import urllib.request
            for _ in range(200):  # until it answers and has scanned the file
                try:
                    with urllib.request.urlopen(
                            self.url + "/buildid/%s/debuginfo" % self.bid,
                            timeout=2) as r:
                        if r.status == 200:
                            return self
                except OSError:
                    pass
                expect(self.proc.poll() is None, "debuginfod exited %s" %
                       self.proc.returncode)
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise Skip("debuginfod cannot run here")
            raise Failure("debuginfod never served " + self.bid)
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        return False


def case_debuginfod(srcroot, launcher, demo, demo_nopie, libdir):
    with tempfile.TemporaryDirectory() as tmp:
        copy, bid, tree_file = stripped_build(tmp, demo)
        rep = os.path.join(tmp, "rep")
        raw = run_stripped(launcher, copy, libdir, rep)
        serve = os.path.join(tmp, "serve")
        os.makedirs(serve)
        shutil.copy(tree_file, os.path.join(serve, "demo.debug"))
        with Debuginfod(tmp, serve, bid) as d:
            env = dict(os.environ, DEBUGINFOD_URLS=d.url,
                       DEBUGINFOD_CACHE_PATH=os.path.join(tmp, "cache"))
            err = check_symbolized(["--symbolize", rep], raw, srcroot,
                                   env=env, what="debuginfod")
            expect(err == "", "warning %r" % err)
            expect(os.path.isfile(os.path.join(tmp, "cache", bid,
                                               "debuginfo")), "cached")
    return 0


# --------------------------------------------------- .symtab and <unknown>

def run_demo_json(launcher, prog, libdir, out, options=""):
    """prog under the launcher with --json out: (its one report, stderr)."""
    os.makedirs(out)
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    env.pop("DEBUGINFOD_URLS", None)
    args = [launcher, "--json", out]
    if options:
        args += ["--options", options]
    # started by a relative name, as from a shell in its directory
    p = subprocess.run(args + ["--", "./" + os.path.basename(prog)],
                       env=env, capture_output=True, timeout=60,
                       cwd=os.path.dirname(prog))
    err = p.stderr.decode()
    expect(p.returncode == 66, "%s exited %d: %s" % (prog, p.returncode,
                                                     err[-2000:]))
    reps = [json.loads(ln) for f in os.listdir(out)
            for ln in open(os.path.join(out, f))]
    reps = [r for r in reps if "record" not in r]
    expect(len(reps) == 1, "one report, got %d" % len(reps))
    return reps[0], err


def top_frame(rep):
    return [s for s in rep["stacks"] if s["role"] == "current"][0][
        "frames"][0]


def case_symtab(srcroot, launcher, demo, demo_nopie, libdir):
    with tempfile.TemporaryDirectory() as tmp:
        symtab = os.path.join(tmp, "race-symtab")
        bare = os.path.join(tmp, "race-bare")
        subprocess.run(["strip", "--strip-debug", "-o", symtab, demo],
                       check=True)
        subprocess.run(["strip", "--strip-all", "-o", bare, demo],
                       check=True)
        out = subprocess.run(["readelf", "-n", bare], check=True,
                             capture_output=True, text=True).stdout
        bid = re.search(r"Build ID: ([0-9a-f]+)", out).group(1)
        # (a) no debug information, a .symtab: the process names the static
        # function from it (no file, no line), and has nothing to excuse
        rep, err = run_demo_json(launcher, symtab, libdir,
                                 os.path.join(tmp, "a"))
        top = top_frame(rep)
        expect(top.get("function") == "refresher" and "file" not in top and
               top["module"] == symtab, "symtab in process: %r" % top)
        expect("race-symtab (build-id" not in err, "a note names the "
               "program although its frames are named: %r" % err[-1500:])
        # (b) symbolize=0: the process names nothing and says so; the module
        # is named by its absolute path (the program was started as
        # ./race-symtab) and mapsan-report names the static function from
        # the module's .symtab
        rep, err = run_demo_json(launcher, symtab, libdir,
                                 os.path.join(tmp, "b"), "symbolize=0")
        top = top_frame(rep)
        expect("function" not in top and top["module"] == symtab,
               "symbolize=0: %r" % top)
        expect("Frames are not symbolized in the process (symbolize=0)" in
               err, "symbolize=0 note: %r" % err[-1500:])
        status, out, werr = run("--symbolize", "--json",
                                os.path.join(tmp, "b"))
        g = json.loads(out)["groups"][0]
        top = [s for s in g["stacks"] if s["role"] == "current"][0][
            "frames"][0]
        expect(top.get("function") == "refresher" and "file" not in top,
               "mapsan-report from .symtab: %r" % top)
        expect(re.fullmatch(r"write-write-race \(race-symtab\+0x[0-9a-f]+\) "
                            r"in refresher", g["summary"]) is not None,
               "summary %r" % g["summary"])
        expect(symtab not in werr, "warning names the module: %r" % werr)
        expect(g["signature"] == rep["signature"], "signature changed")
        # (c) neither: "<unknown>" frames, and one plain line that names
        # the module and its build-id; mapsan-report says the same
        rep, err = run_demo_json(launcher, bare, libdir,
                                 os.path.join(tmp, "c"))
        expect("function" not in top_frame(rep), "bare: %r" % top_frame(rep))
        expect(re.search(r"#0 <unknown> \(race-bare\+0x[0-9a-f]+\)", err)
               and ("Frames shown as <unknown> have no symbol table or "
                    "debug information here: race-bare (build-id %s)" % bid)
               in err, "bare text report: %r" % err[-2500:])
        status, out, werr = run("--symbolize", "--json",
                                os.path.join(tmp, "c"))
        g = json.loads(out)["groups"][0]
        expect(g["summary"].endswith(" in ??") and
               "still without a function" in werr and bare in werr and
               bid in werr, "mapsan-report, bare: %r %r" % (g["summary"],
                                                            werr))


# ------------------------------------------------- a crash report, offline

def crash_lines(path):
    """The lines of crash-demo.c marked as the fault and the map write."""
    out = {}
    with open(path) as fh:
        for i, ln in enumerate(fh, 1):
            if "CRASH-DEMO: the fault" in ln:
                out["fault"] = i
            if "CRASH-DEMO: recent operation" in ln:
                out["op"] = i
    return out["fault"], out["op"]


def check_crash_symbolized(args, raw, src, env=None, what=""):
    """mapsan-report ARGS --json on the stripped crash-demo's crash report:
    the faulting frame is named to the static function and the faulting
    line (the exact pc, not pc - 1), its caller to main, the recent map
    write to its call site; the summary keeps the signal; the signature is
    the process's."""
    fault, op = crash_lines(src)
    status, out, err = run(*args, "--json", env=env)
    expect(status == 1, "%s: status %d" % (what, status))
    g = json.loads(out)["groups"][0]
    expect(g["kind"] == "crash" and g["signature"] == raw["signature"],
           what + ": kind or signature changed")
    expect(g["summary"] == "crash SIGSEGV crash-demo.c:%d in store_session"
           % fault, "%s: summary %r" % (what, g["summary"]))
    cur = [s for s in g["stacks"] if s["role"] == "current"][0]["frames"]
    expect(cur[0].get("function") == "store_session" and
           cur[0].get("file") == src and cur[0].get("line") == fault,
           "%s: top frame %r" % (what, cur[0]))
    expect(any(f.get("function") == "main" and f.get("file") == src
               for f in cur[1:]), "%s: no main frame in %r" % (what, cur))
    notes = [n for th in g.get("threads", []) for n in th.get("recent", [])]
    expect(any(n.get("op") == "assign" and
               n.get("function") == "store_session" and
               n.get("file") == src and n.get("line") == op for n in notes),
           "%s: recent operations %r" % (what, notes))
    return err


def case_crash_symbolize(srcroot, launcher, demo, demo_nopie, libdir,
                         crash_demo):
    src = os.path.join(srcroot, "tests", "report-tool", "crash-demo.c")
    with tempfile.TemporaryDirectory() as tmp:
        copy, bid, tree_file = stripped_build(tmp, crash_demo)
        rep = os.path.join(tmp, "rep")
        os.makedirs(rep)
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        env.pop("DEBUGINFOD_URLS", None)
        p = subprocess.run([launcher, "--json", rep, "--", copy], env=env,
                           capture_output=True, timeout=60)
        expect(p.returncode == -11, "crash-demo exited %d: %s" %
               (p.returncode, p.stderr.decode()[-2000:]))
        reps = [json.loads(ln) for f in os.listdir(rep)
                for ln in open(os.path.join(rep, f))]
        reps = [r for r in reps if "record" not in r]
        expect(len(reps) == 1 and reps[0]["kind"] == "crash",
               "one crash report, got %r" % [r.get("kind") for r in reps])
        raw = reps[0]
        # as written in the process: module+offset+build-id, nothing named
        frames_build_id(raw, copy, bid)
        cur = [s for s in raw["stacks"] if s["role"] == "current"][0]
        expect(cur["frames"][0]["module"] == copy and
               "function" not in cur["frames"][0], "the process named the "
               "crash frame: %r" % cur["frames"][0])
        expect(raw["summary"].startswith("crash SIGSEGV (crash-demo+0x"),
               "summary %r" % raw["summary"])
        # (a) the build-id tree given by --debug-dir
        err = check_crash_symbolized(
            ["--symbolize", "--debug-dir", os.path.join(tmp, "tree"), rep],
            raw, src, what="crash, build-id tree")
        expect("crash-demo" not in err, "warning names the program: %r" %
               err)
        # the table says the same
        status, out, err = run("--debug-dir", os.path.join(tmp, "tree"), rep)
        expect("SIGSEGV crash-demo.c:%d in store_session" %
               crash_lines(src)[0] in out, "table: %r" % out)
        # (b) the local debuginfod, the module gone from disk: found by the
        # frames' build-id alone
        os.remove(copy)
        serve = os.path.join(tmp, "serve")
        os.makedirs(serve)
        shutil.copy(tree_file, os.path.join(serve, "crash-demo.debug"))
        try:
            with Debuginfod(tmp, serve, bid) as d:
                env = dict(os.environ, DEBUGINFOD_URLS=d.url,
                           DEBUGINFOD_CACHE_PATH=os.path.join(tmp, "cache"))
                check_crash_symbolized(["--symbolize", rep], raw, src,
                                       env=env, what="crash, debuginfod")
        except Skip as e:
            print("debuginfod part skipped: %s" % e)
    return 0


def main(argv):
    global TOOL, FIXTURES
    case = argv[1]
    TOOL, FIXTURES = os.path.abspath(argv[2]), os.path.abspath(argv[3])
    cases = {"table": case_table, "json": case_json, "sarif": case_sarif,
             "malformed": case_malformed, "empty": case_empty,
             "paths": case_paths, "usage": case_usage,
             "profile-order": case_profile_order}
    try:
        if case == "demo":
            case_demo(*argv[4:7])
        elif case == "symtab":
            case_symtab(*map(os.path.abspath, argv[4:9]))
        elif case in ("profile", "profile-browser"):
            fn = case_profile if case == "profile" else case_profile_browser
            if fn(*map(os.path.abspath, argv[4:7])) == 77:
                return 77
        elif case in ("symbolize", "debuginfod"):
            fn = case_symbolize if case == "symbolize" else case_debuginfod
            if fn(*map(os.path.abspath, argv[4:9])) == 77:
                return 77
        elif case == "crash-symbolize":
            case_crash_symbolize(*map(os.path.abspath, argv[4:10]))
        else:
            cases[case]()
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Failure as e:
        print("FAIL (%s): %s" % (case, e))
        return 1
    print("PASS (%s)" % case)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
