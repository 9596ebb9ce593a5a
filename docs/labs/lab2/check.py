#!/usr/bin/python3
"""Lab 2 checker: write your own pass (docs/labs/lab2/README.md).

Builds every .cpp of the answer folder into one pass plugin with `c++ -std=c++20 -shared -fPIC`
against the headers (the source tree's core/ and passes/, else /usr/include/nest-workbench), loads
it into nestc, and verifies: the pass is listed with the plugin as its origin, it rewrites
ResNet-18's Flatten into a Reshape (node counts recomputed from the graph nestc writes), the
outputs stay bit-identical (nestc run -O0 on both graphs), a second run finds nothing to do, and
the answers in answers.json match.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import labcheck  # noqa: E402

lab = labcheck.Lab("lab 2", "write your own pass")
model = os.path.join(lab.build, "models", "resnet18", "model.onnx")
if not os.path.isfile(model):
    lab.abort(f"{model} is missing: /usr/bin/python3 scripts/make_seed_models.py {os.path.dirname(os.path.dirname(model))}")
sample = os.path.join(os.path.dirname(model), "test_data_set_0", "input_0.pb")
name = lab.answer("pass_name", "flatten-to-reshape")


def op_counts(nir_file):
    """Op -> number of nodes in a text IR file ("%v: type = Op #id ...")."""
    counts = {}
    with open(nir_file, encoding="utf-8") as f:
        for m in re.finditer(r"^\s*%\S+.* = (\w+) #\d+", f.read(), re.M):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


sources = sorted(glob.glob(lab.path("*.cpp")))
lab.check("the answer folder holds the plugin's source (*.cpp)", bool(sources), "no .cpp file")
headers = lab.source if os.path.isfile(os.path.join(lab.source, "passes", "pass_plugin_api.h")) else "/usr/include/nest-workbench"
with tempfile.TemporaryDirectory() as tmp:
    plugin = os.path.join(tmp, "student_pass.so")
    cxx = shutil.which("c++") or "c++"
    build = subprocess.run([cxx, "-std=c++20", "-O2", "-shared", "-fPIC", f"-I{headers}", *sources, "-o", plugin],
                           capture_output=True, text=True)
    if not lab.check(f"it builds as a plugin against {headers} (c++ -std=c++20 -shared -fPIC)", build.returncode == 0,
                     build.stderr[-2000:]):
        lab.finish()

    listing, _ = lab.nestc("opt", "--list-passes", "--load-pass-plugin", plugin)
    lab.check(f"nestc opt --list-passes shows '{name}' with the plugin as its origin",
              re.search(rf"^{re.escape(name)}\s+.*\[plugin {re.escape(plugin)}\]$", listing, re.M) is not None, listing)

    out_nir = os.path.join(tmp, "rewritten.nir")
    table, _ = lab.nestc("opt", model, "--load-pass-plugin", plugin, "--passes", name, "-o", out_nir)
    row = re.search(rf"^\s*1\s+{re.escape(name)}\s+[\d.]+\s+(\d+) -> (\d+)\s+[+-]\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", table, re.M)
    lab.check("nestc opt --passes runs it (one row in the table)", row is not None, table)
    before_nir = os.path.join(tmp, "imported.nir")
    lab.nestc("opt", model, "-O0", "-o", before_nir)
    before, after = op_counts(before_nir), op_counts(out_nir)
    lab.check_equal("flatten_before: Flatten nodes in the imported ResNet-18", lab.answer("flatten_before"), before.get("Flatten", 0))
    lab.check_equal("flatten_after: Flatten nodes after the pass", lab.answer("flatten_after"), after.get("Flatten", 0))
    lab.check_equal("reshape_after: Reshape nodes after the pass", lab.answer("reshape_after"), after.get("Reshape", 0))
    lab.check("the pass removed every Flatten and added as many Reshapes",
              after.get("Flatten", 0) == 0 and after.get("Reshape", 0) - before.get("Reshape", 0) == before.get("Flatten", 0) > 0,
              f"before {before}, after {after}")
    if row:
        lab.check_equal("nodes_before_after: the node counts of the pass's row", lab.answer("nodes_before_after"),
                        [int(row.group(1)), int(row.group(2))])
        lab.check_equal("changes: added, removed, modified, rewired (the pass's row)", lab.answer("changes"),
                        [int(row.group(k)) for k in range(3, 7)])

    # Same outputs, bit for bit: both graphs in the interpreter without other passes.
    outs = []
    for k, graph in enumerate((model, out_nir)):
        d = os.path.join(tmp, f"out{k}")
        lab.nestc("run", graph, "-O0", "--input", sample, "--output-dir", d)
        with open(os.path.join(d, "output_0.pb"), "rb") as f:
            outs.append(f.read())
    lab.check("the rewritten graph computes the same output bit for bit (nestc run -O0, test_data_set_0)", outs[0] == outs[1])

    again, _ = lab.nestc("opt", out_nir, "--load-pass-plugin", plugin, "--passes", name)
    lab.check("run again on its own result it changes nothing (0 added, 0 removed)",
              re.search(rf"{re.escape(name)}\s+[\d.]+\s+(\d+) -> \1\s+\+0\s+0\s+0\s+0\s+0$", again, re.M) is not None, again)

for q in ("q1_why_exact", "q2_dynamic_shapes", "q3_abi"):
    lab.check_text_answer(q)
lab.finish()
