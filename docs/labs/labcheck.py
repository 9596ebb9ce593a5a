"""Shared helper of the lab checkers (docs/labs/labN/check.py). Standard library only; run the
checkers with Debian's /usr/bin/python3.

A checker reads a student's answer folder (the files a lab asks for and answers.json), recomputes
every number with real runs of the nestc the student used (BUILD/bin/nestc), prints one line per
check (PASS or FAIL, what it verifies, and why it failed) and ends with "N/M checks pass"; it exits
0 when all pass, 1 when some fail and 2 when it cannot run at all (no nestc, no answer folder).

    /usr/bin/python3 docs/labs/lab1/check.py ANSWERS_DIR [--build BUILD_DIR] [--source SOURCE_DIR]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))  # docs/labs -> the source tree


class Lab:
    def __init__(self, title, description):
        parser = argparse.ArgumentParser(description=f"{title}: {description}")
        parser.add_argument("answers", help="the answer folder (with answers.json and the files the lab asks for)")
        parser.add_argument("--build", default=os.path.join(SOURCE_DIR, "build"),
                            help="the build folder holding bin/nestc (default: SOURCE/build)")
        parser.add_argument("--source", default=SOURCE_DIR, help="the source tree (default: the one holding this script)")
        args = parser.parse_args()
        self.title = title
        self.answers_dir = os.path.abspath(args.answers)
        self.build = os.path.abspath(args.build)
        self.source = os.path.abspath(args.source)
        self.testdata = os.path.normpath(os.path.join(self.source, "..", "shared", "testdata"))
        self.nestc_path = os.path.join(self.build, "bin", "nestc")
        self.passed = 0
        self.failed = 0
        print(f"{title}: checking {self.answers_dir}")
        if not os.path.isfile(self.nestc_path):
            self.abort(f"{self.nestc_path} does not exist (build nestc, or give --build)")
        if not os.path.isdir(self.answers_dir):
            self.abort(f"{self.answers_dir} is not a folder")
        self.answers = self.read_answers()

    def abort(self, message):
        print(f"error: {message}")
        sys.exit(2)

    def path(self, *parts):
        """A file of the answer folder."""
        return os.path.join(self.answers_dir, *parts)

    def read_answers(self):
        file = self.path("answers.json")
        try:
            with open(file, encoding="utf-8") as f:
                answers = json.load(f)
        except OSError as e:
            self.abort(f"cannot read {file}: {e.strerror}")
        except json.JSONDecodeError as e:
            self.abort(f"{file}: not valid JSON: {e}")
        if not isinstance(answers, dict):
            self.abort(f"{file}: expected a JSON object of answers")
        return answers

    def answer(self, key, default=None):
        return self.answers.get(key, default)

    def nestc(self, *args, expect=0, cwd=None):
        """Runs nestc; returns (stdout, stderr). A different exit code aborts the checker."""
        cmd = [self.nestc_path] + [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)
        if r.returncode != expect:
            self.abort(f"`{' '.join(cmd)}` exited {r.returncode} (expected {expect}):\n{r.stdout}{r.stderr}")
        return r.stdout, r.stderr

    def check(self, what, ok, why=""):
        """One check: prints PASS/FAIL and what it verifies."""
        if ok:
            self.passed += 1
            print(f"PASS  {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what}" + (f": {why}" if why else ""))
        return ok

    def check_equal(self, what, got, expected):
        return self.check(what, got == expected, f"answers.json says {got!r}, nestc gives {expected!r}")

    def check_close(self, what, got, expected, tolerance):
        ok = isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - expected) <= tolerance
        return self.check(what, ok, f"answers.json says {got!r}, nestc gives {expected:.4g} (tolerance {tolerance})")

    def check_file(self, name):
        return self.check(f"{name} exists", os.path.isfile(self.path(name)), "missing from the answer folder")

    def check_text_answer(self, key, min_words=8):
        """A free-text answer: present and at least `min_words` words (a teacher reads it)."""
        text = self.answer(key)
        words = len(text.split()) if isinstance(text, str) else 0
        return self.check(f"answer '{key}' is written ({min_words}+ words)", words >= min_words,
                          f"{words} words" if isinstance(text, str) else "missing")

    def finish(self):
        total = self.passed + self.failed
        print(f"{self.title}: {self.passed}/{total} checks pass")
        sys.exit(0 if self.failed == 0 else 1)


def read_json(file):
    with open(file, encoding="utf-8") as f:
        return json.load(f)
