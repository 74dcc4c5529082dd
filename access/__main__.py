"""python -m access [ASSEMBLY_DIR] [--config PATH] [--stage ID] [--variant NAME] [--markdown | --readme README.md]

Evaluates every journey of access/journeys/ in every stage of a synthesized cloud assembly with
the IAM policy simulator, prints one row per journey and stage and a summary line. Exit 0 when
every journey decides as expected (pending ones aside), 1 on a mismatch or an error, 2 on bad
input (one line per problem).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from access.assembly import AssemblyError
from access.evaluate import SAMPLE_VARIANT, evaluate
from access.journeys import CATALOGUE, CatalogueError, load_catalogue
from access.report import markdown, summary, table, with_readme_section
from access.runner import SimulatorError
from platform_config import ConfigError, load_config


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m access", description=__doc__.splitlines()[2])
    parser.add_argument("assembly", nargs="?", type=Path, default=Path("cdk.out"), help="cloud assembly (cdk.out)")
    parser.add_argument(
        "--config", type=Path, default=Path("config/sample.yaml"), help="the config it was synthesized from"
    )
    parser.add_argument("--stage", action="append", help="only this stage (repeatable), e.g. dev-us-east-1")
    parser.add_argument(
        "--variant", default=SAMPLE_VARIANT, help="name of the config variant, for `variants:` of journeys"
    )
    parser.add_argument("--journeys", type=Path, default=CATALOGUE, help="folder of journey YAML files")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="print the README's 'Who can do what' tables instead")
    output.add_argument("--readme", type=Path, help="rewrite the 'Who can do what' block of this README")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    try:
        config = load_config(arguments.config)
        catalogue = load_catalogue(arguments.journeys)
        results = evaluate(
            arguments.assembly, config, variant=arguments.variant, stages=arguments.stage, catalogue=catalogue
        )
    except (ConfigError, CatalogueError, AssemblyError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except SimulatorError as error:
        print(f"error: the IAM simulator failed: {error}", file=sys.stderr)
        return 1
    if arguments.readme:
        try:
            arguments.readme.write_text(with_readme_section(arguments.readme.read_text(), markdown(results)))
        except (OSError, ValueError) as error:
            print(f"error: {arguments.readme}: {error}", file=sys.stderr)
            return 2
    else:
        print(markdown(results) if arguments.markdown else table(results))
    print(summary(results), file=sys.stdout if not (arguments.markdown or arguments.readme) else sys.stderr)
    return 0 if all(result.status in ("PASS", "PENDING") for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
