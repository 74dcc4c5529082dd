"""The command line: `python -m experiment_tools <command>` or `experiment-tools <command>`.

Exit codes: 0 success; 1 a smoke check failed or a deletion was declined; 2 bad input (an
argument, a name, the config); 3 AWS refused or could not answer (after retrying throttling).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from experiment_tools import cleanup, leaderboard, lineage, output, provenance, tracking
from experiment_tools.clients import DEFAULT_MAX_ATTEMPTS, AwsClients
from experiment_tools.errors import ToolError, UsageError, explain
from experiment_tools.tracking import STATUSES, TEAM_VARIABLE, RunTracker, default_team

ClientsFactory = Callable[..., AwsClients]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _pair(flag: str, text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise UsageError(f"{flag}: {text!r} is not NAME=VALUE")
    return name, value


def _number_or_text(text: str) -> str | float:
    try:
        value = float(text)
    except ValueError:
        return text
    return value if text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity") else text


def _metric(text: str) -> tuple[str, float, int | None]:
    name, value = _pair("--metric", text)
    number, _, step = value.partition("@")
    try:
        parsed = float(number)
        parsed_step = int(step) if step else None
    except ValueError:
        raise UsageError(f"--metric: {text!r} is not NAME=NUMBER or NAME=NUMBER@STEP") from None
    return name, parsed, parsed_step


def _common(parser: argparse.ArgumentParser, *, region_required: bool = False) -> None:
    if region_required:
        parser.add_argument("--region", required=True, help="AWS region: the environment-region to check")
    else:
        parser.add_argument("--region", help="AWS region (default: the profile's or AWS_REGION)")
    parser.add_argument("--profile", help="AWS named profile (default: the default credential chain)")
    parser.add_argument("--endpoint-url", help="send every call to this endpoint (a VPC endpoint, or a local emulator)")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=DEFAULT_MAX_ATTEMPTS,
        help=f"attempts per call, retrying throttling with exponential backoff (default {DEFAULT_MAX_ATTEMPTS})",
    )
    parser.add_argument("-o", "--output", choices=output.FORMATS, default="table", help="output format (default table)")


def _command(commands: Any, name: str, summary: str, *, region_required: bool = False) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=summary, description=summary)
    _common(parser, region_required=region_required)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="experiment-tools", description="Track, compare, trace and clean up SageMaker experiments.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    track = _command(
        commands,
        "track",
        "record a run as the SageMaker SDK does (load_run, list_runs and ExperimentAnalytics see it): "
        "parameters, metrics, artifacts and lineage",
    )
    track.add_argument("--experiment", required=True, help="experiment name (created if missing; lower-cased)")
    track.add_argument(
        "--run",
        required=True,
        help="run name (lower-cased as the SDK does; its component is EXPERIMENT-RUN); an existing run is continued",
    )
    track.add_argument(
        "--team",
        help=f"tag what is created Team=TEAM, as team roles must (default: ${TEAM_VARIABLE}; unset: untagged)",
    )
    track.add_argument("--description", default="", help="experiment description when it is created")
    track.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter; numbers stay numbers"
    )
    track.add_argument("--metric", action="append", default=[], metavar="NAME=VALUE[@STEP]", help="a metric value")
    track.add_argument("--input", action="append", default=[], metavar="NAME=URI", help="an input artifact")
    track.add_argument("--output-artifact", action="append", default=[], metavar="NAME=URI", help="an output artifact")
    track.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="NAME=S3URI",
        help="an input pinned to its S3 version (prefixes end in /)",
    )
    track.add_argument(
        "--code", metavar="DIR", help="record the git commit of DIR and whether it had uncommitted changes"
    )
    track.add_argument("--config-file", action="append", default=[], metavar="PATH", help="record the file's SHA-256")
    track.add_argument("--image", help="container image; recorded by digest (ECR tags are resolved)")
    track.add_argument(
        "--share",
        action="append",
        default=[],
        metavar="RUN",
        help="this run used another run of the experiment (a dataset or preprocessing step): its values count here",
    )
    track.add_argument(
        "--status", choices=STATUSES, default="Completed", help="component status to leave (default Completed)"
    )

    compare = _command(commands, "compare", "leaderboard of an experiment's runs")
    compare.add_argument("experiment")
    compare.add_argument(
        "--where", action="append", default=[], metavar="NAME OP VALUE", help="filter, e.g. 'learning_rate<=0.1'"
    )
    compare.add_argument("--sort-by", metavar="NAME", help="metric or parameter to rank by (highest first)")
    compare.add_argument("--ascending", action="store_true", help="lowest first (losses, errors)")
    compare.add_argument(
        "--stat", choices=sorted(leaderboard.STATS), default="last", help="metric summary to show (default last)"
    )
    compare.add_argument("--limit", type=int, help="show only the first N runs")
    compare.add_argument("--with-lineage", action="store_true", help="include lineage.* parameters in table and CSV")
    pictures = compare.add_mutually_exclusive_group()
    pictures.add_argument(
        "--plot",
        nargs=2,
        metavar=("PARAM", "METRIC"),
        help="draw a scatter plot of PARAM against METRIC (its --stat) across the runs shown",
    )
    pictures.add_argument("--curves", metavar="METRIC", help="draw METRIC over its steps, one line per run shown")
    compare.add_argument(
        "--plot-file",
        metavar="PATH",
        help="where --plot or --curves draws; .png or .svg (default: EXPERIMENT-METRIC-....png here)",
    )

    trace = _command(commands, "lineage", "the code, data, parameters and environment behind a run or a model")
    trace.add_argument("kind", choices=("run", "model"))
    trace.add_argument(
        "name",
        help="run name (with --experiment), a run's component or trial name, or a model package ARN or GROUP/VERSION",
    )
    trace.add_argument("--experiment", help="the run's experiment (needed for a run given by its SDK run name)")

    clean = _command(commands, "cleanup", "delete an experiment, its runs and the components only it uses")
    clean.add_argument("experiment")
    clean.add_argument("--dry-run", action="store_true", help="list what would be deleted and kept; change nothing")
    clean.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    clean.add_argument(
        "--include-pipeline-runs", action="store_true", help="also delete runs made by pipeline executions"
    )

    smoke = _command(commands, "smoke", "check a deployed environment-region against the config", region_required=True)
    smoke.add_argument("--config", default="config/sample.yaml", help="platform config (default config/sample.yaml)")
    smoke.add_argument("--environment", required=True, help="environment name in the config")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    clients_factory: ClientsFactory = AwsClients.create,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    max_attempts = DEFAULT_MAX_ATTEMPTS
    try:
        args = build_parser().parse_args(argv)
        max_attempts = args.max_attempts
        if max_attempts < 1:
            raise UsageError(f"--max-attempts: {max_attempts} must be at least 1")
        clients = clients_factory(
            region=args.region, profile=args.profile, endpoint_url=args.endpoint_url, max_attempts=max_attempts
        )
        handler = {"track": _track, "compare": _compare, "lineage": _lineage, "cleanup": _cleanup, "smoke": _smoke}
        return handler[args.command](args, clients, out, stdin or sys.stdin, err)
    except ToolError as error:
        for line in error.lines:
            print(f"error: {line}", file=err)
        return error.exit_code
    except (ClientError, BotoCoreError) as error:
        failure = explain(error, max_attempts)
        print(f"error: {failure}", file=err)
        return failure.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=err)
        return 130


def _print(out: IO[str], text: str) -> None:
    out.write(text + "\n")


def _track(args: argparse.Namespace, clients: AwsClients, out: IO[str], _: IO[str], err: IO[str]) -> int:
    parameters = {name: _number_or_text(value) for name, value in (_pair("--param", item) for item in args.param)}
    metrics = [_metric(item) for item in args.metric]
    inputs = [_pair("--input", item) for item in args.input]
    outputs = [_pair("--output-artifact", item) for item in args.output_artifact]
    datasets = [_pair("--dataset", item) for item in args.dataset]
    tracker = RunTracker(
        clients,
        experiment=args.experiment,
        run=args.run,
        description=args.description,
        team=args.team if args.team is not None else default_team(),
    )
    # Everything that reads local state or resolves versions runs before the first write, so a bad
    # dataset, image or work tree leaves nothing half-recorded.
    for name, value in parameters.items():
        tracking.check_parameter(name, value)
    for name, value, step in metrics:
        tracking.check_metric(name, value, step)
    versions = [(name, provenance.dataset_version(clients.s3, f"--dataset {name}", uri)) for name, uri in datasets]
    image = provenance.image_digest(clients.ecr, "--image", args.image) if args.image else None
    code = provenance.code_version(args.code) if args.code else None
    configs = [(Path(path).name, provenance.file_sha256(path)) for path in args.config_file]
    _note_lower_cased(args, tracker, err)
    tracker.start()
    _record_lineage(tracker, args.share, versions, image, code, configs)
    tracker.log_parameters(parameters)
    for name, uri in inputs:
        tracker.log_input(name, uri)
    for name, uri in outputs:
        tracker.log_output(name, uri)
    for name, value, step in metrics:
        tracker.log_metric(name, value, step=step)
    tracker.finish(args.status)
    summary = tracker.summary()
    _print(out, output.render(args.output, ["field", "value"], _summary_rows(summary), summary))
    return 0


def _note_lower_cased(args: argparse.Namespace, tracker: RunTracker, err: IO[str]) -> None:
    for given, kept in ((args.experiment, tracker.experiment), (args.run, tracker.run)):
        if given != kept:
            print(f"note: {given!r} is recorded as {kept!r}: the SageMaker SDK lower-cases run names", file=err)


def _record_lineage(
    tracker: RunTracker,
    shares: Sequence[str],
    versions: Sequence[tuple[str, provenance.DatasetVersion]],
    image: tuple[str, str] | None,
    code: provenance.CodeVersion | None,
    configs: Sequence[tuple[str, str]],
) -> None:
    for run in shares:
        tracker.share(run)
    for name, version in versions:
        tracker.record_dataset(name, version)
    if image:
        tracker.record_image(*image)
    if code:
        tracker.record_code(code)
    for name, digest in configs:
        tracker.record_config_file(name, digest)


def _summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Table and CSV are flat, so the nested groups become dotted fields; JSON keeps the nesting."""
    rows = [{"field": key, "value": value} for key, value in summary.items() if not isinstance(value, dict | list)]
    rows += [
        {"field": f"{group}.{key}", "value": value}
        for group in ("parameters", "inputs", "outputs")
        for key, value in summary[group].items()
    ]
    rows += (
        [{"field": "shared_components", "value": ", ".join(summary["shared_components"])}]
        if summary["shared_components"]
        else []
    )
    return rows


def _compare(args: argparse.Namespace, clients: AwsClients, out: IO[str], _: IO[str], err: IO[str]) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit: {args.limit} must be at least 1")
    if args.plot_file and not (args.plot or args.curves):
        raise UsageError("--plot-file: draws nothing without --plot PARAM METRIC or --curves METRIC")
    conditions = [leaderboard.Condition.parse(text) for text in args.where]
    stat = leaderboard.STATS[args.stat]
    picture = _picture_path(args)
    rows = leaderboard.collect_runs(clients, args.experiment)
    for name in ([args.plot[0], args.plot[1]] if args.plot else []) + ([args.curves] if args.curves else []):
        leaderboard.check_known(rows, name)
    ranked = leaderboard.leaderboard(
        rows, where=conditions, sort_by=args.sort_by, stat=stat, ascending=args.ascending, limit=args.limit
    )
    header, flat = leaderboard.flat_rows(ranked, stat, args.with_lineage)
    if not ranked and args.output == "table":
        _print(out, f"0 runs match (experiment {args.experiment} has {len(rows)})")
    else:
        _print(out, output.render(args.output, header, flat, leaderboard.document(ranked, args.experiment, stat)))
        if not ranked:
            print(f"0 runs match (experiment {args.experiment} has {len(rows)})", file=err)
    if picture is not None and ranked:
        from experiment_tools import plots, series

        if args.plot:
            drawn = plots.scatter(ranked, args.plot[0], args.plot[1], stat, picture, args.experiment)
        else:
            lines = series.metric_series(clients, ranked, args.curves)
            drawn = plots.curves(lines, ranked, args.curves, picture, args.experiment)
        skipped = f"; without it: {', '.join(drawn.skipped)}" if drawn.skipped else ""
        print(f"wrote {drawn.path}: {len(drawn.runs)} runs{skipped}", file=err)
    return 0


def _picture_path(args: argparse.Namespace) -> Path | None:
    """Checked before any AWS call, so a bad path costs nothing and writes nothing."""
    from experiment_tools.plots import plot_path

    if args.plot:
        default = f"{args.experiment}-{args.plot[1]}-vs-{args.plot[0]}.png"
    elif args.curves:
        default = f"{args.experiment}-{args.curves}-curves.png"
    else:
        return None
    return plot_path("--plot-file", args.plot_file or _safe_file_name(default))


def _safe_file_name(name: str) -> str:
    return "".join(character if character.isalnum() or character in "-_." else "_" for character in name)


def _lineage(args: argparse.Namespace, clients: AwsClients, out: IO[str], _: IO[str], err: IO[str]) -> int:
    if args.kind == "model" and args.experiment:
        raise UsageError("--experiment: applies to lineage run, not to a model")
    found = (
        lineage.run_lineage(clients, args.name, args.experiment)
        if args.kind == "run"
        else lineage.model_lineage(clients, args.name)
    )
    _print(out, output.render(args.output, ["section", "key", "value"], found.rows(), found.document()))
    return 0


def _cleanup(args: argparse.Namespace, clients: AwsClients, out: IO[str], stdin: IO[str], _: IO[str]) -> int:
    plan = cleanup.plan_cleanup(clients, args.experiment, include_pipeline_runs=args.include_pipeline_runs)
    rows = plan.rows()
    if args.dry_run:
        _print(out, output.render(args.output, ["action", "kind", "name", "why"], rows, plan.document()))
        return 0
    if not args.yes:
        if not stdin.isatty():
            raise UsageError("cleanup: not a terminal, so no one can confirm: pass --yes, or --dry-run to look first")
        _print(out, output.table(["action", "kind", "name", "why"], rows))
        out.write(f"Type the experiment name ({plan.experiment}) to delete it: ")
        out.flush()
        if stdin.readline().strip() != plan.experiment:
            _print(out, "not deleted")
            return 1
    deleted: list[dict[str, str]] = []
    cleanup.execute(clients, plan, progress=lambda kind, name: deleted.append({"deleted": kind, "name": name}))
    result = {**plan.document(), "deleted": deleted}
    _print(out, output.render(args.output, ["deleted", "name"], deleted, result))
    return 0


def _smoke(args: argparse.Namespace, clients: AwsClients, out: IO[str], _: IO[str], err: IO[str]) -> int:
    from experiment_tools.smoke import run_checks
    from platform_config.loader import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise UsageError("invalid config", problems=tuple(str(error).splitlines())) from error
    checks = run_checks(clients, config, args.environment, args.region)
    rows = [check.row() for check in checks]
    failed = sum(not check.passed for check in checks)
    document: dict[str, Any] = {
        "environment": args.environment,
        "region": args.region,
        "failed": failed,
        "checks": rows,
    }
    _print(out, output.render(args.output, ["check", "result", "detail"], rows, document))
    return 1 if failed else 0
