#!/usr/bin/python3
# `nestc run` over every shared ONNX conformance test (all data sets), compared with the reference
# outputs at test-data's default tolerance; prints "N passed, N failed (N refused)" and writes the
# failures to OUT: the same pass/fail set as `nestc test-data` (tests/test_run_binding.cpp pins the interpreter).
#   /usr/bin/python3 scripts/conformance-via-run.py build/bin/nestc interpreter /tmp/run.txt
#   /usr/bin/python3 scripts/conformance-via-run.py build/bin/nestc cpu /tmp/run-cpu.txt
import os, sys, subprocess, tempfile, glob
import numpy as np
from onnx import numpy_helper, TensorProto
nestc, backend, out = sys.argv[1], sys.argv[2], sys.argv[3]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'testdata')
def load(f):
    t = TensorProto(); t.ParseFromString(open(f, 'rb').read()); return numpy_helper.to_array(t)
passed = failed = refused = 0
lines = []
tmp = tempfile.mkdtemp()
for suite in ['onnx-node', 'onnx-pytorch-converted']:
    for d in sorted(glob.glob(f'{root}/{suite}/*/model.onnx')):
        d = os.path.dirname(d); name = os.path.basename(d); why = None
        for s in sorted(glob.glob(d + '/test_data_set_*')):
            ins = sorted(glob.glob(s + '/input_*.pb'), key=lambda p: int(p.split('_')[-1][:-3]))
            outs = sorted(glob.glob(s + '/output_*.pb'), key=lambda p: int(p.split('_')[-1][:-3]))
            od = os.path.join(tmp, name, os.path.basename(s))
            args = [nestc, 'run', d + '/model.onnx', '--output-dir', od, '--backend', backend]
            for i in ins: args += ['--input', i]
            r = subprocess.run(args, capture_output=True, text=True)
            if r.returncode != 0:
                why = 'refused: ' + r.stderr.strip().replace('\n', ' | ')[:200]; break
            for k, o in enumerate(outs):
                try:
                    exp, got = load(o), load(os.path.join(od, f'output_{k}.pb'))
                except Exception as e:
                    why = f'output {k}: {e}'; break
                if exp.shape != got.shape or exp.dtype != got.dtype:
                    why = f'output {k}: {exp.dtype}{exp.shape} vs {got.dtype}{got.shape}'; break
                if exp.dtype.kind == 'f':
                    ok = np.all((np.abs(got.astype(np.float64) - exp) <= 1e-7 + 1e-3 * np.abs(exp)) | (np.isnan(exp) & np.isnan(got)) | (exp == got))
                else:
                    ok = np.array_equal(exp, got)
                if not ok: why = f'output {k}: values differ'; break
            if why: break
        if why is None: passed += 1
        else:
            failed += 1; refused += why.startswith('refused'); lines.append(f'FAIL {name}: {why}')
with open(out, 'w') as f:
    f.write('\n'.join(lines) + f'\n{passed} passed, {failed} failed ({refused} refused)\n')
print(f'{passed} passed, {failed} failed ({refused} refused)')
