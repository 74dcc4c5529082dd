"""Who may do what on the platform, proven by an IAM policy simulator over the synthesized templates.

`evaluate(assembly_dir, config)` runs the journey catalogue (access/journeys/*.yaml) over every
stage of a cloud assembly; `python -m access` prints the table. The project README's section
"Who can do what" says how to read and extend it.
"""

from access.evaluate import JourneyResult, evaluate

__all__ = ["JourneyResult", "evaluate"]
