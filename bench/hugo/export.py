#!/usr/bin/env python3
"""bench/hugo/export.py: the Hugo peer's content, from `vitrine list --json`.

Usage: vitrine list --json | python3 bench/hugo/export.py SITE_DIR LAYOUTS_DIR

Writes SITE_DIR (new) as a Hugo site of the same collection: config.toml,
one content file per READY asset (JSON front matter: title, department,
intervention, size, every custom field as label/value pairs, a listing
weight in the order vitrine lists them) under content/<department>/, and a
section page per department; the layouts (bench/hugo/layouts) are copied.
Not a test; bench/site runs it.
"""
import json
import os
import shutil
import sys


def first_value(values):
    if not values:
        return None
    for v in values:
        if v.get("lang") == "en":
            return v["value"]
    return values[0]["value"]


def main():
    site, layouts = sys.argv[1], sys.argv[2]
    os.makedirs(site)
    shutil.copytree(layouts, os.path.join(site, "layouts"))
    with open(os.path.join(site, "config.toml"), "w") as f:
        f.write('baseURL = "http://127.0.0.1:8080/"\n'
                'title = "Collection"\n'
                'disableKinds = ["RSS", "taxonomy"]\n'
                'ignoreErrors = ["error-disable-taxonomy"]\n'
                'paginate = 60\n'
                '[taxonomies]\n  intervention = "interventions"\n'
                '[outputs]\n  home = ["HTML"]\n  section = ["HTML"]\n'
                '  page = ["HTML", "JSON"]\n  term = ["HTML", "JSON"]\n')
    assets = json.load(sys.stdin)
    depts = {}
    weight = 0
    for a in assets:
        if a.get("state") != "ready":
            continue
        weight += 1
        dept = a["department"]
        if dept not in depts:
            depts[dept] = os.path.join(site, "content", dept)
            os.makedirs(depts[dept])
            with open(os.path.join(depts[dept], "_index.md"), "w") as f:
                json.dump({"title": dept}, f)
                f.write("\n")
        custom = a.get("custom") or {}
        metadata = []
        for field, values in sorted(custom.items()):
            text = "; ".join(v["value"] for v in values if isinstance(v, dict) and "value" in v)
            if text:
                metadata.append({"label": field, "value": text})
        front = {
            "title": first_value(custom.get("title")) or a["source"],
            "id": a["id"],
            "weight": weight,
            "department": dept,
            "width": a.get("width") or 0,
            "height": a.get("height") or 0,
            "metadata": metadata,
        }
        if a.get("intervention"):
            front["interventions"] = [a["intervention"]]
        with open(os.path.join(depts[dept], a["id"] + ".md"), "w") as f:
            json.dump(front, f, ensure_ascii=False)
            f.write("\n")
    print("hugo content: %d assets in %d departments" % (weight, len(depts)))


if __name__ == "__main__":
    main()
