#!/usr/bin/python3
"""Lab 1 checker: ResNet-18 through -O1 (docs/labs/lab1/README.md).

Recomputes with `nestc opt MODEL -O1 --dump-after-each-pass DIR --format json` and compares: the
student's opt.txt and dump/pipeline.json, the node counts in answers.json, the passes that changed
the graph and their change counts, the provenance of the first Conv, and that every changed pass
and question has a written explanation.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import labcheck  # noqa: E402

lab = labcheck.Lab("lab 1", "ResNet-18 through -O1")
model = os.path.join(lab.build, "models", "resnet18", "model.onnx")
if not os.path.isfile(model):
    lab.abort(f"{model} is missing: /usr/bin/python3 scripts/make_seed_models.py {os.path.dirname(os.path.dirname(model))}")

with tempfile.TemporaryDirectory() as tmp:
    out, _ = lab.nestc("opt", model, "-O1", "--dump-after-each-pass", os.path.join(tmp, "dump"), "--format", "json")
    pipeline = labcheck.read_json(os.path.join(tmp, "dump", "pipeline.json"))
    snapshots = {p["snapshot"]: labcheck.read_json(os.path.join(tmp, "dump", p["snapshot"])) for p in pipeline["passes"]}
    initial = labcheck.read_json(os.path.join(tmp, "dump", pipeline["input"]["snapshot"]))

records = pipeline["passes"]
changed = [{"index": r["index"], "pass": r["pass"], "nodes_before": r["nodesBefore"], "nodes_after": r["nodesAfter"]}
           for r in records if r["changed"]]
final_nodes = records[-1]["nodesAfter"] if records else pipeline["input"]["nodes"]

# The student's own run: the table nestc printed and the dump it wrote.
if lab.check_file("opt.txt"):
    with open(lab.path("opt.txt"), encoding="utf-8") as f:
        text = f.read()
    last = [line for line in out.splitlines() if line.endswith(f"nodes {pipeline['input']['nodes']} -> {final_nodes}")]
    lab.check("opt.txt is the output of nestc opt -O1 (its summary line matches)",
              bool(last) and f"nodes {pipeline['input']['nodes']} -> {final_nodes}" in text and "fold-batchnorm" in text,
              "no line '... nodes N -> M' with this model's counts")
if lab.check_file("dump/pipeline.json"):
    mine = labcheck.read_json(lab.path("dump", "pipeline.json"))
    lab.check("dump/pipeline.json lists the same pass runs with the same node counts",
              [(r["pass"], r["nodesBefore"], r["nodesAfter"]) for r in mine.get("passes", [])] ==
              [(r["pass"], r["nodesBefore"], r["nodesAfter"]) for r in records])

lab.check_equal("nodes_imported: nodes of the imported graph", lab.answer("nodes_imported"), pipeline["input"]["nodes"])
lab.check_equal("nodes_after_O1: nodes after -O1", lab.answer("nodes_after_O1"), final_nodes)
lab.check_equal("pass_runs: pass runs in the -O1 pipeline (fixed-point rounds counted)", lab.answer("pass_runs"), len(records))
lab.check_equal("changed: the runs that changed the graph, with node counts before and after", lab.answer("changed"), changed)


def counts(pass_name):
    r = next((r for r in records if r["pass"] == pass_name and r["changed"]), None)
    return {k: len(r[k]) for k in ("added", "removed", "modified", "rewired")} if r else None


lab.check_equal("fold_batchnorm: nodes added/removed/modified/rewired by fold-batchnorm",
                lab.answer("fold_batchnorm"), counts("fold-batchnorm"))
lab.check_equal("fuse_activations: nodes added/removed/modified/rewired by fuse-activations",
                lab.answer("fuse_activations"), counts("fuse-activations"))

# Provenance: the imported nodes the first node of the final graph stands for (its own id and its
# origin, followed back through every snapshot), as op types.
by_id = {n["id"]: n for n in initial["nodes"]}
for snap in snapshots.values():
    for n in snap["nodes"]:
        by_id.setdefault(n["id"], n)
imported = {n["id"] for n in initial["nodes"]}
final = snapshots[records[-1]["snapshot"]] if records else initial
first = final["nodes"][0]
todo, seen = [first["id"]] + list(first.get("origin", [])), set()
while todo:
    i = todo.pop()
    if i in seen:
        continue
    seen.add(i)
    todo.extend(by_id.get(i, {}).get("origin", []))
ops = sorted(by_id[i]["op"] for i in seen if i in imported)
lab.check_equal(f"first_node_origin_ops: imported ops behind the final graph's first node ({first['name']})",
                lab.answer("first_node_origin_ops"), ops)

# The written part: each changed pass explained, the questions answered.
explain = lab.answer("explain", {})
for name in sorted({c["pass"] for c in changed}):
    text = explain.get(name, "") if isinstance(explain, dict) else ""
    lab.check(f"explain['{name}'] says what the pass did and why the outputs stay the same (8+ words)",
              len(str(text).split()) >= 8, f"{len(str(text).split())} words")
for q in ("q1_second_round", "q2_rewired", "q3_o2"):
    lab.check_text_answer(q)
lab.finish()
