#!/usr/bin/python3
"""Scores the PaddleOCR models' int8 outputs against fp32 and the rendered truth (bench-ocr-quant.sh).

  ocr_eval.py rec KEYS.txt FP32.npy INT8.npy TRUTH.txt SKIP
      CTC greedy decoding (argmax per step, repeats merged, blank 0 dropped; classes: blank,
      the KEYS lines, ' ' -- PaddleOCR's CTCLabelDecode with use_space_char). Prints
      chars_same = 1 - sum(edit distance(int8, fp32)) / sum(len(fp32)) over all lines, the lines
      decoded identically, and both models' character accuracy against the truth (lines SKIP.. of
      TRUTH.txt), defined the same way against the truth.
  ocr_eval.py cls FP32.npy INT8.npy LABELS.npy SKIP
      argmax agreement int8 vs fp32 and each one's accuracy against the labels (from row SKIP).
  ocr_eval.py det FP32.npy INT8.npy
      output SQNR (10 log10 sum f^2 / sum (f - q)^2) and the IoU of the text masks (probability
      > 0.3, PaddleOCR's det_db_thresh) of int8 against fp32.
Prints one line of key=value pairs.
"""
import sys

import numpy as np


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def decode(probs, classes):
    out = []
    for row in probs:
        ids = row.argmax(-1)
        s, last = [], 0
        for t in ids:
            if t != last and t != 0:
                s.append(classes[t])
            last = t
        out.append(''.join(s))
    return out


def same_chars(got, ref):
    total = sum(len(r) for r in ref)
    return 1.0 - sum(edit_distance(g, r) for g, r in zip(got, ref)) / max(total, 1)


def main(argv):
    kind = argv[1] if len(argv) > 1 else ''
    if kind == 'rec' and len(argv) == 7:
        with open(argv[2], encoding='utf-8') as f:
            keys = f.read().split('\n')
        classes = [''] + keys + [' ']
        f32, q8 = np.load(argv[3]), np.load(argv[4])
        if f32.shape != q8.shape or f32.shape[-1] != len(classes):
            sys.exit(f'ocr_eval: rec outputs {f32.shape} / {q8.shape} do not match {len(classes)} classes')
        with open(argv[5], encoding='utf-8') as f:
            truth = f.read().split('\n')[int(argv[6]):int(argv[6]) + len(f32)]
        a, b = decode(f32, classes), decode(q8, classes)
        print(f'lines={len(a)} chars_same={100 * same_chars(b, a):.2f}% '
              f'lines_same={100 * sum(x == y for x, y in zip(a, b)) / len(a):.2f}% '
              f'fp32_vs_truth={100 * same_chars(a, truth):.2f}% int8_vs_truth={100 * same_chars(b, truth):.2f}%')
    elif kind == 'cls' and len(argv) == 6:
        f32, q8 = np.load(argv[2]).argmax(-1), np.load(argv[3]).argmax(-1)
        labels = np.load(argv[4])[int(argv[5]):int(argv[5]) + len(f32)]
        print(f'lines={len(f32)} agreement={100 * np.mean(f32 == q8):.2f}% '
              f'fp32_accuracy={100 * np.mean(f32 == labels):.2f}% int8_accuracy={100 * np.mean(q8 == labels):.2f}%')
    elif kind == 'det' and len(argv) == 4:
        f32, q8 = np.load(argv[2]).astype(np.float64), np.load(argv[3]).astype(np.float64)
        noise = np.sum((f32 - q8) ** 2)
        sqnr = float('inf') if noise == 0 else 10 * np.log10(np.sum(f32 ** 2) / noise)
        m32, m8 = f32 > 0.3, q8 > 0.3
        iou = np.sum(m32 & m8) / max(np.sum(m32 | m8), 1)
        print(f'pages={len(f32)} sqnr={sqnr:.2f}dB mask_iou={100 * iou:.2f}%')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
