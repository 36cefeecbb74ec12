"""Add the compiled model files to existing model directories, without retraining.

``kefuguard train`` and ``kefuguard train-numbers`` write the compiled files themselves (the
save path does); this is for directories written before that existed, e.g. the shipped
``models/`` and ``models/numbers/``. Each directory is verified first (sha256 and versions),
then ``message_model.npz`` / ``number_model.npz`` is written and listed in its manifest.

Run: ``python -m detector.export [--model DIR] [--numbers DIR]`` (defaults: the shipped
directories). Prints the files of each manifest as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from detector.errors import KefuguardError
from detector.model import default_model_dir, export_compiled
from detector.number_model import default_number_model_dir, export_compiled_number_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="message-model directory")
    parser.add_argument("--numbers", type=Path, default=None, help="number-model directory")
    parser.add_argument("--skip-numbers", action="store_true")
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args(argv)
    out = {}
    try:
        if not args.skip_model:
            directory = args.model or default_model_dir()
            out[str(directory)] = export_compiled(directory)["files"]
        if not args.skip_numbers:
            directory = args.numbers or default_number_model_dir()
            out[str(directory)] = export_compiled_number_model(directory)["files"]
    except KefuguardError as exc:
        print(json.dumps({"error": exc.message}), file=sys.stderr)
        return 1
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover - command line
    sys.exit(main())
