"""Copy the slice of the real-data sets that the benches read into bench/data (run once, by hand).

    python -m bench.data.make_data --source /path/to/data   # holds trafilatura-eval/ and cmrc2018/

Kept small on purpose (the repository carries it): every 8th page of the trafilatura evaluation
corpus (sorted by URL) plus the pages bench/data/questions_en.json and heldout.json ask about, the
first 150 CMRC 2018 development passages with their questions, and the passages heldout.json's
Chinese questions ask about (cmrc2018/heldout_passages.json, without CMRC's own questions). Sources and licences: bench/data/README.md."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVERY = 8
CMRC_PASSAGES = 150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, required=True)
    args = parser.parse_args()
    evaldata = json.loads((args.source / "trafilatura-eval" / "evaldata.json").read_text())
    heldout = json.loads((HERE / "heldout.json").read_text())["questions"]
    asked = {q["page"] for q in json.loads((HERE / "questions_en.json").read_text())}
    keys = sorted(evaldata)
    sample = {k for i, k in enumerate(keys) if i % EVERY == 0} | asked
    held = {q["page"] for q in heldout if q["page"].startswith("http")} - sample  # Chinese pages too
    chosen = sample | held
    out = HERE / "trafilatura_eval"
    (out / "html").mkdir(parents=True, exist_ok=True)
    subset = {}
    for key in sorted(chosen):
        entry = dict(evaldata[key], heldout_only=True) if key in held else evaldata[key]
        shutil.copyfile(args.source / "trafilatura-eval" / entry["file"], out / entry["file"])
        subset[key] = entry
    (out / "evaldata.json").write_text(json.dumps(subset, ensure_ascii=False, indent=0))
    cmrc = json.loads((args.source / "cmrc2018" / "cmrc2018_dev.json").read_text())
    (HERE / "cmrc2018").mkdir(exist_ok=True)
    (HERE / "cmrc2018" / "cmrc2018_dev_sample.json").write_text(
        json.dumps(cmrc[:CMRC_PASSAGES], ensure_ascii=False, indent=0)
    )
    wanted = {q["page"] for q in heldout if q["lang"] == "zh" and not q["page"].startswith("http")}
    passages = [{k: d[k] for k in ("context_id", "title", "context_text")} for d in cmrc if d["context_id"] in wanted]
    (HERE / "cmrc2018" / "heldout_passages.json").write_text(json.dumps(passages, ensure_ascii=False, indent=0))
    print(f"{len(subset)} pages, {CMRC_PASSAGES} CMRC passages, {len(passages)} held-out passages")


if __name__ == "__main__":
    main()
