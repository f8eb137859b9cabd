"""Docker entrypoint of the GitHub Action: the runner passes inputs as INPUT_* environment variables."""

import sys

from canary.action import main

if __name__ == "__main__":
    sys.exit(main())
