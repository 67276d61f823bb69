import sys

from clausegraph.cli import main

sys.exit(main())
