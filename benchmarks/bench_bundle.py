"""Bundling an event's stored certificates: the ZIP and the print file in volumes.

    make bench                        # or: .venv/bin/python benchmarks/bench_bundle.py
    .venv/bin/python benchmarks/bench_bundle.py --counts 1000,10000 --volume-pages 250

What the workers do once a certificates job has issued everything, here in one process
one after the other: the ZIP (``expo.jobs.services.bundle_zip``: each stored certificate
read, checked and written into a temporary file, entry by entry), then the print file
(``expo.jobs.services.print_volumes``: each stored certificate read and checked again, its
pages appended to the open volume, qpdf through pikepdf), each volume stored once it holds
``--volume-pages`` pages. A job splits the print file into ranges of a volume's documents
that its worker processes make while one of them makes the ZIP; the time here is that of
one process doing all of it, which holds one document of the ZIP or one volume at a time.

The certificates: a few real ones rendered by the app (the same certificate under
different serials, so each has its own font subset), then stored ``--counts`` times as
distinct files, each copy stamped with its own serial (``BENCH-000001`` …) in a small
text line, so every file has its own SHA-256 and the volumes can be checked: each
volume's first and last page carry the serials of the documents it says it holds.
Rendering 10,000 is not needed to measure the bundling, which reads files, not HTML.

Each count is bundled in a fresh process, its peak resident memory (``VmHWM`` from
``/proc``) read before (the app loaded) and after. Goal: at most 350 MB whatever the count.
Beside it, the bare-library baseline: the former way, pypdf's ``PdfWriter`` holding every
page of one merged file until it is written, in a fresh process too (``--baseline-max``:
the largest count it is run for). It is a measurement, not a test: it reports and exits 0
unless it breaks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import machine, make_app, seed  # noqa: E402

GOAL_PEAK_MB = 350
DATED = datetime(2027, 5, 13, 9, 0, tzinfo=UTC)


def peak_mb() -> float:
    """This process's peak resident memory so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serial(number: int) -> str:
    return f"BENCH-{number:06d}"


def stamped(pdf_bytes: bytes, text: str) -> bytes:
    """The certificate with one more line of text (Helvetica) at the bottom of page 1."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0]
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
            )
        )
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/FBench"))
        page.contents_add(
            pdf.make_stream(f"q BT /FBench 7 Tf 12 12 Td ({text}) Tj ET Q".encode()), prepend=False
        )
        out = BytesIO()
        pdf.save(out)
        return out.getvalue()


def store_certificates(count: int, variants: int, manifest: Path) -> float:
    """Render ``variants`` certificates, store ``count`` stamped copies; the seconds taken."""
    from expo.documents import certificates
    from expo.documents.storage import document_store

    started = time.perf_counter()
    certificate, _ = seed()
    base = certificate.serial
    rendered = []
    for variant in range(variants):
        certificate.serial = f"{base[:-2]}{variant:02d}"
        rendered.append(certificates.render_certificate(certificate))
    store = document_store()
    with manifest.open("w") as file:
        for number in range(1, count + 1):
            sha256 = store.put(stamped(rendered[number % variants], serial(number)))
            file.write(f"{serial(number)} {sha256}\n")
    return time.perf_counter() - started


def child(args) -> int:
    """Bundle the manifest's first ``--count`` files in this fresh process; print JSON."""
    workdir = Path(args.workdir)
    app = make_app(workdir)
    with app.app_context():
        from expo.jobs import services

        lines = workdir.joinpath("manifest.txt").read_text().splitlines()[: args.count]
        entries = [
            services.BundleEntry(f"{name}.pdf", sha256, DATED)
            for name, sha256 in (line.split() for line in lines)
        ]
        before = peak_mb()
        started = time.perf_counter()
        if args.way == "volumes":
            zip_sha256 = services.bundle_zip(entries)
            volumes = services.print_volumes(entries, volume_pages=args.volume_pages)
            result = {"volumes": [volume.to_json() for volume in volumes], "zip": zip_sha256}
        else:
            result = {"merged": pypdf_merged(entries)}
        result.update(seconds=time.perf_counter() - started, before=before, peak=peak_mb())
    print(json.dumps(result))
    return 0


def pypdf_merged(entries) -> str:
    """The former print file: one pypdf writer holding every page until it is written."""
    from pypdf import PdfReader, PdfWriter

    from expo.documents.storage import document_store

    store = document_store()
    writer = PdfWriter()
    for entry in entries:
        writer.append(PdfReader(BytesIO(store.get(entry.sha256))))
    with tempfile.TemporaryFile() as file:
        writer.write(file)
        file.seek(0)
        return store.put_file(file)


def run_child(workdir: Path, way: str, count: int, volume_pages: int) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--workdir",
        str(workdir),
        "--way",
        way,
        "--count",
        str(count),
        "--volume-pages",
        str(volume_pages),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def page_text(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def check_volumes(result: dict, count: int, volume_pages: int) -> str:
    """Every document in one volume, in order, none over the size; first/last pages right."""
    from expo.documents.storage import document_store

    volumes = result["volumes"]
    expected_first = 1
    for volume in volumes:
        if volume["first"] != expected_first or volume["pages"] > volume_pages:
            return f"NOT right: {volume}"
        path = document_store().path(volume["sha256"])  # type: ignore[attr-defined]
        if serial(volume["first"]) not in page_text(path, 1):
            return f"NOT right: volume starting at {volume['first']}"
        if serial(volume["last"]) not in page_text(path, volume["pages"]):
            return f"NOT right: volume ending at {volume['last']}"
        expected_first = volume["last"] + 1
    if expected_first != count + 1:
        return f"NOT right: {expected_first - 1} of {count} documents"
    return "right"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1000,10000", help="certificates (1000,10000)")
    parser.add_argument("--volume-pages", type=int, default=250, help="pages a volume (250)")
    parser.add_argument("--variants", type=int, default=5, help="certificates rendered (5)")
    parser.add_argument(
        "--baseline-max", type=int, default=1000, help="largest count for pypdf (1000; 0: none)"
    )
    parser.add_argument("--runs", type=int, default=None, help=argparse.SUPPRESS)  # make bench
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--way", default="volumes", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    import pikepdf

    counts = sorted(int(value) for value in args.counts.split(","))
    rows = []
    with tempfile.TemporaryDirectory(
        prefix="expo-bench-bundle-", ignore_cleanup_errors=True
    ) as folder:
        workdir = Path(folder)
        app = make_app(workdir)
        with app.app_context():
            storing = store_certificates(max(counts), args.variants, workdir / "manifest.txt")
            for count in counts:
                result = run_child(workdir, "volumes", count, args.volume_pages)
                result["check"] = check_volumes(result, count, args.volume_pages)
                baseline = None
                if count <= args.baseline_max:
                    baseline = run_child(workdir, "pypdf", count, args.volume_pages)
                rows.append((count, result, baseline))

    print(f"# Bundling, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"Python {sys.version.split()[0]}, pikepdf {pikepdf.__version__} "
        f"(qpdf {pikepdf.__libqpdf_version__}); volumes of at most {args.volume_pages} pages; "
        f"{args.variants} certificates rendered, stored as {max(counts)} stamped copies "
        f"in {storing:.0f} s"
    )
    print()
    print(
        "| certificates | volumes | volumes right | time | peak memory (VmHWM) "
        "| of which the app loaded | goal | | pypdf, one merged file: time | peak |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for count, result, baseline in rows:
        ok = result["peak"] <= GOAL_PEAK_MB
        base = f"{baseline['seconds']:.1f} s | {baseline['peak']:.0f} MB" if baseline else "— | —"
        print(
            f"| {count} | {len(result['volumes'])} | {result['check']} "
            f"| {result['seconds']:.1f} s | {result['peak']:.0f} MB | {result['before']:.0f} MB "
            f"| ≤ {GOAL_PEAK_MB} MB | {'met' if ok else 'NOT met'} | {base} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
