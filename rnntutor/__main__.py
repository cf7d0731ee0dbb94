"""``python -m rnntutor ...`` runs the command line, as does ``torchrun ... -m rnntutor train ...``."""

from rnntutor.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
