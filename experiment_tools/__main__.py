import sys

from experiment_tools.cli import main

sys.exit(main())
