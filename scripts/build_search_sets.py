#!/usr/bin/env python3
"""Builds known-item search sets from real text installed on this machine.

Writes JSON Lines to target/search-sets/ (not in git), one document a line:
{"id": str, "title": str, "body": str, "query": str}. Every document is its own
known item: searching its query should find it.

Sets:

* debian.jsonl - Debian package descriptions (the apt lists' Translation-en
  files; on a machine whose apt skips translations, run
  `apt-get update -o Acquire::Languages=en` first). Query: the
  one-line short description; title: the package name; body: the long
  description. Dropped: packages whose long description contains the short one
  verbatim (case-insensitive; the query would be a literal substring, too easy),
  transitional/dummy packages, long descriptions under 12 words, and every
  package whose short description or long description is shared with another
  package (-dev/-doc/-dbg siblings: the known item would be ambiguous). A
  deterministic sample of 10,000 (by a hash of the package name).
* man.jsonl - man pages of sections 1, 2, 3, 5 and 7 under /usr/share/man (the
  English ones). Query: the NAME line's description (after the dash); title:
  the names before the dash; body: the rest of the page with roff markup
  stripped, cut to its first 1,000 words. `.so` redirects are skipped; of
  pages sharing a description, one (by a hash of the file name) is kept.

Usage: python3 scripts/build_search_sets.py [out_dir]
"""

import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter

MAX_DOCS = 10_000
MAX_BODY_WORDS = 1_000


def stable_key(s):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def debian_set():
    files = sorted(glob.glob("/var/lib/apt/lists/*_i18n_Translation-en*"))
    if not files:
        sys.exit(
            "no Translation-en under /var/lib/apt/lists: run "
            "`apt-get update -o Acquire::Languages=en` first"
        )
    out = ""
    for path in files:
        cmd = ["lz4", "-dc", path] if path.endswith(".lz4") else ["cat", path]
        out += subprocess.run(cmd, capture_output=True, text=True, check=True).stdout + "\n\n"
    seen = set()
    rows = []
    for stanza in out.split("\n\n"):
        name = short = None
        long_lines = []
        in_desc = False
        for line in stanza.split("\n"):
            if line.startswith("Package: "):
                name = line[len("Package: "):].strip()
                in_desc = False
            elif line.startswith("Description-en: "):
                short = line[len("Description-en: "):].strip()
                in_desc = True
            elif in_desc and line.startswith(" "):
                text = line[1:]
                long_lines.append("" if text.strip() == "." else text)
            else:
                in_desc = False
        if not name or not short or name in seen:
            continue
        seen.add(name)
        body = "\n".join(long_lines).strip()
        low_short = short.lower()
        if "transitional" in low_short or "dummy" in low_short:
            continue
        if len(body.split()) < 12 or low_short in body.lower():
            continue
        rows.append({"id": name, "title": name, "body": body, "query": short})
    queries = Counter(r["query"].lower() for r in rows)
    bodies = Counter(r["body"] for r in rows)
    rows = [r for r in rows if queries[r["query"].lower()] == 1 and bodies[r["body"]] == 1]
    rows.sort(key=lambda r: stable_key(r["id"]))
    return rows[:MAX_DOCS]


ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\((..)"), " "),
    (re.compile(r"\\\[[^\]]*\]"), " "),
    (re.compile(r"\\s[-+]?\d"), ""),
    (re.compile(r"\\[&|^%:]"), ""),
    (re.compile(r"\\-"), "-"),
    (re.compile(r"\\e"), lambda m: "\\"),
    (re.compile(r"\\."), " "),
]


def unroff(text):
    for rx, rep in ESCAPES:
        text = rx.sub(rep, text)
    return text


def man_page(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        src = f.read()
    lines = src.split("\n")
    if any(l.startswith(".so ") for l in lines[:5]):
        return None
    section = None
    name_text = []
    body = []
    for line in lines:
        if line.startswith(".\\\"") or line.startswith("'\\\"") or line.startswith('.\\"'):
            continue
        if line.startswith(".") or line.startswith("'"):
            parts = line[1:].split(None, 1)
            macro = parts[0] if parts else ""
            arg = parts[1] if len(parts) > 1 else ""
            if macro in ("SH", "Sh"):
                section = unroff(arg).strip('"').strip().upper()
                continue
            if macro == "Nd":  # mdoc description
                name_text.append("\\- " + arg)
                continue
            if macro == "Nm" and section == "NAME":
                name_text.append(arg)
                continue
            text = unroff(arg.replace('"', ""))
        else:
            text = unroff(line)
        if section == "NAME":
            name_text.append(text)
        elif section is not None:
            body.append(text)
    name = " ".join(name_text)
    name = unroff(name) if "\\" in name else name
    m = re.split(r"\s+-+\s+|\s+\\-\s+", name, maxsplit=1)
    if len(m) != 2:
        return None
    names, desc = m[0].strip(), m[1].strip()
    words = " ".join(body).split()
    if not desc or len(words) < 12:
        return None
    return names, desc, " ".join(words[:MAX_BODY_WORDS])


def man_set():
    rows = []
    for sec in ("1", "2", "3", "5", "7"):
        d = f"/usr/share/man/man{sec}"
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".gz"):
                continue
            try:
                page = man_page(os.path.join(d, fn))
            except (OSError, EOFError):
                continue
            if page is None:
                continue
            names, desc, body = page
            # Titles are name lists; long ones are cut to the article limit.
            rows.append({"id": fn[:-3], "title": names[:200], "body": body, "query": desc})
    # Pages sharing a description (the 78 "X FreeType interface library" pages)
    # would make the known item ambiguous: keep one of each (by hash), drop the rest.
    rows.sort(key=lambda r: stable_key(r["id"]))
    kept, seen = [], set()
    for r in rows:
        if r["query"].lower() not in seen:
            seen.add(r["query"].lower())
            kept.append(r)
    return kept[:MAX_DOCS]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "target/search-sets"
    os.makedirs(out_dir, exist_ok=True)
    for name, build in (("debian", debian_set), ("man", man_set)):
        rows = build()
        path = os.path.join(out_dir, f"{name}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{path}: {len(rows)} documents")


if __name__ == "__main__":
    main()
