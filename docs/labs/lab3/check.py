#!/usr/bin/python3
"""Lab 3 checker: quantize mnist-8 and find the sensitive layers (docs/labs/lab3/README.md).

Recomputes with nestc on the lab's fixed data (calibration: MNIST test images 0..199; validation:
images 500..799 with their labels): a profile, the int8 quality report (asymmetric, the default)
and the NPU's (symmetric_power2), and the sensitivity search for a 40 dB output SQNR. Compares the
student's report files, mixed-precision project and answers.json with those figures.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import labcheck  # noqa: E402

lab = labcheck.Lab("lab 3", "quantize mnist-8 and find the sensitive layers")
model = os.path.join(lab.testdata, "models", "mnist-8", "model.onnx")
images = os.path.join(lab.testdata, "mnist", "t10k-images-idx3-ubyte.gz")
labels = os.path.join(lab.testdata, "mnist", "t10k-labels-idx1-ubyte.gz")
if not os.path.isfile(model):
    lab.abort(f"{model} is missing (the shared test data, ../shared/testdata)")
validation = ["--input", images, "--labels", labels, "--skip", "500", "--limit", "300"]


def output_sqnr(report):
    return report["outputs"][0]["sqnrDb"]


def worst_node(report):
    # sqnrDb is null where the value is exact (no error at all): never the worst.
    return min(report["nodes"], key=lambda n: float("inf") if n["sqnrDb"] is None else n["sqnrDb"])["node"]


with tempfile.TemporaryDirectory() as tmp:
    profile = os.path.join(tmp, "profile.yaml")
    out, _ = lab.nestc("profile", model, "--input", images, "--limit", "200", "-o", profile)
    values = int(re.search(r"profiled (\d+) values over (\d+) runs", out).group(1))
    reports = {}
    for schema in ("asymmetric", "symmetric_power2"):
        file = os.path.join(tmp, f"{schema}.json")
        lab.nestc("quant-report", model, "--profile", profile, "--schema", schema, *validation, "--json", file)
        reports[schema] = labcheck.read_json(file)
    sens, _ = lab.nestc("sensitivity", model, "--profile", profile, "--schema", "symmetric_power2", *validation,
                        "--min-sqnr", "40", "-o", os.path.join(tmp, "mixed.nestproj"))
    expected_project = labcheck.read_json(os.path.join(tmp, "mixed.nestproj"))
kept = sorted(re.search(r"^kept float \(\d+\): (.*)$", sens, re.M).group(1).split(", "))
mixed_sqnr = float(re.search(r"^result: .*output SQNR ([\d.]+) dB$", sens, re.M).group(1))
asym, power2 = reports["asymmetric"], reports["symmetric_power2"]

# The student's files: the reports of their own runs.
for name, expected in (("report.json", asym), ("report-power2.json", power2)):
    if lab.check_file(name):
        mine = labcheck.read_json(lab.path(name))
        lab.check(f"{name} is the quant-report of the lab's data (same rows and output SQNR within 0.01 dB)",
                  mine.get("rows") == expected["rows"] and abs(output_sqnr(mine) - output_sqnr(expected)) <= 0.01,
                  f"rows {mine.get('rows')}, output SQNR {mine.get('outputs', [{}])[0].get('sqnrDb')}")
if lab.check_file("mixed.nestproj"):
    mine = labcheck.read_json(lab.path("mixed.nestproj"))
    keep = sorted(n for n, o in mine.get("nodes", {}).items() if o.get("keepFloat"))
    lab.check("mixed.nestproj keeps the nodes nestc sensitivity chooses in float", keep == kept, f"{keep} vs {kept}")

lab.check_equal("profiled_values: values the profile records", lab.answer("profiled_values"), values)
lab.check_close("float_accuracy: float accuracy on the 300 images (%)", lab.answer("float_accuracy"), asym["floatAccuracy"], 0.01)
lab.check_close("int8_accuracy: asymmetric int8 accuracy (%)", lab.answer("int8_accuracy"), asym["quantAccuracy"], 0.01)
lab.check_close("int8_output_sqnr_db: asymmetric int8 output SQNR (dB)", lab.answer("int8_output_sqnr_db"), output_sqnr(asym), 0.01)
lab.check_equal("int8_worst_node: the node with the lowest SQNR (asymmetric)", lab.answer("int8_worst_node"), worst_node(asym))
lab.check_close("power2_output_sqnr_db: symmetric_power2 output SQNR (dB)", lab.answer("power2_output_sqnr_db"),
                output_sqnr(power2), 0.01)
lab.check_equal("power2_worst_node: the node with the lowest SQNR (symmetric_power2)", lab.answer("power2_worst_node"),
                worst_node(power2))
lab.check_equal("kept_float: nodes kept in float for 40 dB (sorted)", sorted(lab.answer("kept_float") or []), kept)
lab.check_close("mixed_output_sqnr_db: output SQNR with those nodes in float (dB)", lab.answer("mixed_output_sqnr_db"),
                mixed_sqnr, 0.01)
for q in ("q1_power2_cost", "q2_maxpool_noise", "q3_float_cost"):
    lab.check_text_answer(q)
lab.finish()
