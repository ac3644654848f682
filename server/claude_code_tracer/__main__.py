import sys


def run() -> int:
    """The command's entry point: Ctrl-C while the modules load (a second or more on a busy
    machine) is one line and exit code 130, like Ctrl-C later (``cli.main``), not a traceback."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        sys.stderr.write("claude-code-tracer: interrupted\n")
        return 130
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
