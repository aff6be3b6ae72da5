#!/usr/bin/env python3
"""Checks a stream of sxsdoctor --json reports: exactly the given evidence, in order, each a
complete document. usage: jsonl_check.py OUTPUT EVIDENCE... [--lines] [--input]
--lines: each document must be one line (JSON Lines); --input: evidence.input must be the
path as given. Prints what it found; exits 1 on the first mismatch."""
import json
import sys

args = [a for a in sys.argv[2:] if not a.startswith("--")]
lines = "--lines" in sys.argv
want_input = "--input" in sys.argv
text = open(sys.argv[1], encoding="utf-8").read()

docs, pos, dec = [], 0, json.JSONDecoder()
while True:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    if pos >= len(text):
        break
    try:
        doc, end = dec.raw_decode(text, pos)
    except json.JSONDecodeError as e:
        sys.exit(f"not JSON at offset {pos}: {e}")
    if lines and "\n" in text[pos:end]:
        sys.exit(f"document {len(docs) + 1} spans several lines: not JSON Lines")
    docs.append(doc)
    pos = end
if len(docs) != len(args):
    sys.exit(f"{len(docs)} documents for {len(args)} evidence")
for i, (doc, path) in enumerate(zip(docs, args), 1):
    for key in ("tool", "evidence", "verdict", "findings", "errors"):
        if key not in doc:
            sys.exit(f"document {i} has no '{key}'")
    ev = doc["evidence"]
    if want_input and ev.get("input") != path:
        sys.exit(f"document {i}: evidence.input is {ev.get('input')!r}, not {path!r}")
    if not ev.get("path", "").endswith(path.rsplit("/", 1)[-1]):
        sys.exit(f"document {i} is about {ev.get('path')!r}, expected {path!r} (order)")
    print(f"{i}: {path}: {doc['verdict']['status']}"
          f" ({', '.join(f['id'] for f in doc['findings']) or 'no finding'})")
if lines and text.count("\n") != len(docs):
    sys.exit(f"{text.count(chr(10))} lines for {len(docs)} documents")
