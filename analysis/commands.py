"""Commands of the text pipeline: redact, train-router, classify, routing evaluate.

Wired by cli.py through ``register(app)``. Heavy imports (scikit-learn, jieba) stay inside the commands so
``hotline-monitor --help`` stays fast.
"""
from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

import typer

FIELDS = ("category", "unit")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _check_field(field: str) -> str:
    if field not in FIELDS:
        raise typer.BadParameter(f"--field must be category or unit, got {field!r}")
    return field


def _redact_types() -> list[str] | None:
    from store.settings import get_settings

    return get_settings().get("text.redact_types") or None


def redact_jsonl(lines, out, types: list[str] | None = None) -> tuple[int, Counter, list[str]]:
    """JSONL records {"id", "text"[, "submitter"]} → {"id", "text_redacted", "spans"}. A bad line is reported
    (its number and why) and skipped; the batch goes on. Returns (records written, spans by type, errors)."""
    from analysis.privacy.redact import redact

    written, by_type, errors = 0, Counter(), []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            errors.append(f"line {number}: expected a JSON object, got {type(record).__name__}")
            continue
        text = record.get("text")
        if not isinstance(text, str):
            errors.append(f"line {number}: field 'text' is {'missing' if text is None else type(text).__name__}"
                          ", expected a string")
            continue
        submitter = record.get("submitter")
        result = redact(text, submitter=submitter if isinstance(submitter, str) else None, types=types,
                        record_id=record.get("id"))
        by_type.update(span.type for span in result.spans)
        out.write(json.dumps({"id": record.get("id"), "text_redacted": result.text,
                              "spans": [span.to_dict() for span in result.spans]}, ensure_ascii=False) + "\n")
        written += 1
    return written, by_type, errors


def _row_text(mapping, row: list[object]) -> str:
    from analysis.routing.router import routing_text

    def cell(name: str) -> str:
        index = mapping.fields.get(name)
        value = row[index] if index is not None and index < len(row) else None
        return "" if value is None else str(value).strip()

    title, content = cell("title"), cell("content")
    if title or content:
        return routing_text(title, content)
    return cell("combined_text")


def register(app: typer.Typer) -> None:
    routing_app = typer.Typer(help="The routing classifier: evaluation.", no_args_is_help=True)
    app.add_typer(routing_app, name="routing")

    @app.command()
    def redact(
        jsonl: str = typer.Option(None, "--jsonl", help="JSONL input, one {\"id\", \"text\"} a line ('-' or "
                                  "absent: standard input). An optional \"submitter\" is masked too."),
        output: Path = typer.Option(None, "-o", "--output", help="JSONL output (absent: standard output)"),
    ) -> None:
        """De-identify texts: {"id","text"} lines -> {"id","text_redacted","spans":[…]}."""
        source = sys.stdin if jsonl in (None, "-") else None
        if source is None:
            path = Path(jsonl)
            if not path.is_file():
                _fail(f"--jsonl {path}: no such file")
            source = path.open(encoding="utf-8-sig")
        target = output.open("w", encoding="utf-8") if output else sys.stdout
        started = time.perf_counter()
        try:
            written, by_type, errors = redact_jsonl(source, target, _redact_types())
        finally:
            if source is not sys.stdin:
                source.close()
            if target is not sys.stdout:
                target.close()
        for error in errors[:50]:
            typer.echo(f"error: {jsonl or 'stdin'} {error}", err=True)
        if len(errors) > 50:
            typer.echo(f"error: … and {len(errors) - 50} more bad lines", err=True)
        summary = ", ".join(f"{kind} {n}" for kind, n in by_type.most_common()) or "nothing"
        typer.echo(f"redacted {written} record(s) in {time.perf_counter() - started:.1f}s; masked: {summary}; "
                   f"bad lines: {len(errors)}", err=True)
        if errors:
            raise typer.Exit(1)

    @app.command("train-router")
    def train_router_command(
        field: str = typer.Option(..., "--field", help="what to predict: category or unit"),
        folds: int = typer.Option(5, help="cross-validation folds for the scores kept with the model (0: none)"),
    ) -> None:
        """Train the routing classifier on the stored history and save it with its metadata."""
        from analysis.routing.router import train_from_store
        from store.db import get_engine, session_scope
        from store.migrate import ensure_current

        _check_field(field)
        try:
            ensure_current(get_engine())
        except RuntimeError as exc:
            _fail(str(exc))
        with session_scope() as session:
            typer.echo(f"training a {field} router on the stored history…", err=True)
            try:
                trained, path = train_from_store(session, field, cv_folds=folds)
            except ValueError as exc:
                _fail(str(exc))
        meta = trained.metadata
        cv = meta["cv_scores"]
        typer.echo(f"saved {path}")
        typer.echo(f"rows {meta['n_rows']}, classes {len(meta['classes'])}"
                   + (f" ({len(meta['dropped_classes'])} with fewer than {meta['min_class_rows']} rows left out)"
                      if meta["dropped_classes"] else "")
                   + f", trained in {meta['training_seconds']}s")
        if cv:
            typer.echo(f"{cv['folds']}-fold cross-validation: macro-F1 {cv['macro_f1']:.3f}, "
                       f"accuracy {cv['accuracy']:.3f}, manual routing {cv['manual_share']:.1%}")

    @app.command()
    def classify(
        path: Path = typer.Argument(..., help="CSV (UTF-8/GBK/GB18030) or XLSX with message text columns"),
        field: str = typer.Option(..., "--field", help="category or unit"),
        output: Path = typer.Option(..., "-o", "--output", help="CSV to write (UTF-8)"),
        model: Path = typer.Option(None, "--model", help="a model file (default: the newest for the field)"),
    ) -> None:
        """Copy PATH's rows and add predicted_<F>, <F>_confidence and <F>_needs_manual."""
        from analysis.routing.router import load_router
        from crawlers.importer.columns import ColumnMap
        from crawlers.importer.readers import ImportFileError, read_table
        from store.exports import neutralise_row

        _check_field(field)
        try:
            trained = load_router(field, path=model)
        except FileNotFoundError as exc:
            _fail(str(exc))
        if trained.field != field:
            _fail(f"--model {model} predicts {trained.field}, not {field}")
        try:
            table = read_table(path)
        except ImportFileError as exc:
            _fail(str(exc))
        mapping = ColumnMap.from_headers(table.headers)
        if not mapping.has_text:
            _fail(f"{path}: no title or content column among the headers {table.headers}")
        rows = list(table.rows)
        texts = [_row_text(mapping, values) for _number, values in rows]
        empty = [number for (number, _values), text in zip(rows, texts, strict=True) if not text]
        started = time.perf_counter()
        decisions = trained.router.route([text or " " for text in texts])
        seconds = time.perf_counter() - started
        new_columns = [f"predicted_{field}", f"{field}_confidence", f"{field}_needs_manual"]
        manual = 0
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(list(table.headers) + new_columns)
            for (_number, values), text, decision in zip(rows, texts, decisions, strict=True):
                cells = ["" if v is None else v for v in values] + [""] * (len(table.headers) - len(values))
                # The contract: the best guess and its confidence are always written; a row with no text to
                # route on is a guess from the class priors only, so it always goes to manual routing.
                needs_manual = decision.needs_manual or not text
                manual += needs_manual
                # citizen text copied into a CSV officials open in Excel/WPS: never a formula
                writer.writerow(neutralise_row(cells + [decision.best_guess, f"{decision.confidence:.4f}",
                                                        "true" if needs_manual else "false"]))
        for number in empty[:20]:
            typer.echo(f"warning: {path} row {number}: no text in the title/content columns; marked manual",
                       err=True)
        typer.echo(f"classified {len(rows)} row(s) with model {trained.version} "
                   f"({len(rows) / seconds if seconds else 0:.0f} rows/s); {manual} need manual routing; "
                   f"wrote {output}", err=True)

    @routing_app.command("evaluate")
    def evaluate(
        field: str = typer.Option("category", "--field", help="category or unit"),
        test_fraction: float = typer.Option(0.2, help="newest share of the messages used as the test set"),
        as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
    ) -> None:
        """Time-based evaluation: train on older stored messages, test on newer; scores per class."""
        from analysis.routing.router import evaluate_time_split, training_rows
        from analysis.routing.unitnames import UnitNameNormaliser
        from store.db import session_scope
        from store.settings import get_settings

        _check_field(field)
        if not 0 < test_fraction < 1:
            raise typer.BadParameter(f"--test-fraction must lie between 0 and 1, got {test_fraction}")
        settings = get_settings()
        with session_scope() as session:
            rows = training_rows(session, field)
        labels = rows.labels
        router_params = None
        if field == "unit":  # as train-router builds it: unit hierarchy and place features
            labels = UnitNameNormaliser(city=settings.get("routing.unit_city"), hierarchy=True).fit_transform(labels)
            router_params = {"place_weight": 1.0}
        try:
            result = evaluate_time_split(rows.texts, labels, rows.times, test_fraction=test_fraction,
                                         min_confidence=settings.get("routing.min_confidence"),
                                         router_params=router_params)
        except ValueError as exc:
            _fail(str(exc))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        typer.echo(f"train {result['train_rows']} rows {result['train_period'][0]} .. {result['train_period'][1]}; "
                   f"test {result['test_rows']} rows {result['test_period'][0]} .. {result['test_period'][1]}")
        typer.echo(f"accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}  "
                   f"top-1 {result['top1_accuracy']:.3f}  top-3 {result['top3_accuracy']:.3f}  "
                   f"manual {result['manual_share']:.1%}")
        typer.echo(f"{'class':<30} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}")
        for row in result["per_class"]:
            mark = "" if row["in_training"] else "  (not in training)"
            typer.echo(f"{row['class'][:30]:<30} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} "
                       f"{row['support']:>5}{mark}")
