"""``python -m synthgan.cli``: the same command line as the ``synthgan`` script."""

from synthgan.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
